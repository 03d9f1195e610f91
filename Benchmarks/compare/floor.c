// The floor of `tfevents best --no-index`: the least a reader can do and
// still verify a log — frame every record, check its length and payload
// CRCs with the CPU's crc32 instruction, walk the Event's wall_time, step
// and summary, and compare each simple_value's tag with the metric — in
// plain C, one file per thread, nothing kept but the smallest value.
//
// It handles only what the generated eval log holds (TF1 simple values and
// TF2 float tensors, written in the usual field order): no TF2 tensors, no error reporting, no
// resynchronisation, no long varints, no checkpoints. A measuring stick, not
// a reader. With SCAN=1 it is the floor of `tfevents scan` instead: every
// value's tag is interned (a small open-addressing table per file, keyed by
// the tag's length and first and last 8 bytes, then memcmp) and records,
// events, scalars and distinct tags are counted. Build and run (README,
// Performance):
//
//   cc -O2 -msse4.2 -pthread -o /tmp/floor Benchmarks/compare/floor.c
//   /tmp/floor loss /tmp/corpus/eval-model/eval/*        # THREADS=1, NOCRC=1, SCAN=1
#include <fcntl.h>
#include <nmmintrin.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static uint64_t load64(const unsigned char *p) { uint64_t v; memcpy(&v, p, 8); return v; }
static uint32_t load32(const unsigned char *p) { uint32_t v; memcpy(&v, p, 4); return v; }

static uint32_t crc32c(const unsigned char *p, size_t n) {
    uint64_t c = 0xFFFFFFFFu;
    for (; n >= 8; p += 8, n -= 8) c = _mm_crc32_u64(c, load64(p));
    for (; n > 0; p++, n--) c = _mm_crc32_u8((uint32_t)c, *p);
    return ~(uint32_t)c;
}

static uint32_t masked(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + 0xA282EAD8u; }

static const char *metric;
static size_t metric_length;
static int verify = 1, scan = 0;
static long records, scalars, distinct_tags;

// Tags of one file: an open-addressing table of (offset, length) into the
// mapped file, at most 1024 distinct tags (the generated logs have 11).
enum { TAG_SLOTS = 2048 };
typedef struct { const unsigned char *bytes; size_t length; } tag_entry;

static size_t intern(tag_entry *table, size_t *count, const unsigned char *tag, size_t length) {
    uint64_t key = length, head = 0, tail = 0;
    if (length >= 8) { head = load64(tag); tail = load64(tag + length - 8); }
    else { for (size_t i = 0; i < length; i++) head |= (uint64_t)tag[i] << (8 * i); }
    key = (key ^ head ^ (tail >> 1)) * 0x9E3779B97F4A7C15ull;
    for (size_t slot = key >> 53;; slot = (slot + 1) & (TAG_SLOTS - 1)) {
        tag_entry *entry = &table[slot];
        if (!entry->bytes) {
            if (*count >= 1024) return slot;
            entry->bytes = tag;
            entry->length = length;
            ++*count;
            return slot;
        }
        if (entry->length == length && memcmp(entry->bytes, tag, length) == 0) return slot;
    }
}
static char **paths;
static int path_count, next_path;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static double best = 1e300;
static long evaluations;

// A varint of at most 5 bytes at *p (the lengths of event parts).
static uint32_t varint(const unsigned char **p) {
    uint32_t value = 0;
    for (int shift = 0; shift < 35; shift += 7) {
        unsigned char byte = *(*p)++;
        value |= (uint32_t)(byte & 0x7F) << shift;
        if (!(byte & 0x80)) break;
    }
    return value;
}

static void read_file(const char *path) {
    int fd = open(path, O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) { perror(path); exit(2); }
    size_t size = (size_t)st.st_size;
    const unsigned char *bytes = mmap(NULL, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
    close(fd);
    if (bytes == MAP_FAILED) { perror(path); exit(2); }
    double file_best = 1e300;
    long file_evaluations = 0, file_records = 0, file_scalars = 0;
    static __thread tag_entry table[TAG_SLOTS];
    memset(table, 0, sizeof table);
    size_t tag_count = 0;
    for (size_t offset = 0; offset + 16 <= size;) {
        uint64_t length = load64(bytes + offset);
        if (masked(crc32c(bytes + offset, 8)) != load32(bytes + offset + 8) || length > size - offset - 16) break;
        const unsigned char *p = bytes + offset + 12, *end = p + length;
        offset += 16 + length;
        file_records++;
        if (verify && masked(crc32c(p, length)) != load32(end)) continue;
        if (length < 11 || p[0] != 0x09 || p[9] != 0x10) continue;  // wall_time, step
        p += 10;
        varint(&p);
        if (p >= end || *p++ != 0x2A) continue;  // summary
        const unsigned char *summary_end = p + varint(&p);
        file_evaluations++;
        // Values: length, tag, then a simple_value (0x15, 4 bytes) or a TF2
        // float tensor (0x42, 10 bytes: dtype, empty shape, 4 bytes of content).
        static const unsigned char tensor[8] = {0x42, 0x0A, 0x08, 0x01, 0x12, 0x00, 0x22, 0x04};
        while (p + 4 <= summary_end && p[0] == 0x0A) {
            size_t value_length = p[1], tag_length = p[3];
            if (scan) {
                intern(table, &tag_count, p + 4, tag_length);
                file_scalars++;
            } else if (tag_length == metric_length && memcmp(p + 4, metric, tag_length) == 0) {
                const unsigned char *member = p + 4 + tag_length;
                float value;
                if (*member == 0x15) {
                    memcpy(&value, member + 1, 4);
                    if (value < file_best) file_best = value;
                } else if (memcmp(member, tensor, 8) == 0) {
                    memcpy(&value, member + 8, 4);
                    if (value < file_best) file_best = value;
                }
            }
            p += 2 + value_length;
        }
    }
    munmap((void *)bytes, size);
    pthread_mutex_lock(&lock);
    if (file_best < best) best = file_best;
    evaluations += file_evaluations;
    records += file_records;
    scalars += file_scalars;
    distinct_tags += (long)tag_count;
    pthread_mutex_unlock(&lock);
}

static void *worker(void *unused) {
    (void)unused;
    for (;;) {
        pthread_mutex_lock(&lock);
        int index = next_path++;
        pthread_mutex_unlock(&lock);
        if (index >= path_count) return NULL;
        read_file(paths[index]);
    }
}

int main(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: floor METRIC FILE...\n"); return 2; }
    metric = argv[1];
    metric_length = strlen(metric);
    paths = argv + 2;
    path_count = argc - 2;
    if (getenv("NOCRC")) verify = 0;
    if (getenv("SCAN")) scan = 1;
    int threads = getenv("THREADS") ? atoi(getenv("THREADS")) : 2;
    if (threads < 1 || threads > 64) threads = 2;
    pthread_t ids[64];
    for (int i = 0; i < threads; i++) pthread_create(&ids[i], NULL, worker, NULL);
    for (int i = 0; i < threads; i++) pthread_join(ids[i], NULL);
    if (scan)
        printf("%ld records, %ld events, %ld scalars, %ld tags (summed over files)\n", records, evaluations, scalars,
               distinct_tags);
    else
        printf("%ld evaluations, smallest %s %.9g\n", evaluations, metric, best);
    return 0;
}
