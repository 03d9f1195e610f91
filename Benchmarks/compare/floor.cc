// Floors: the least a program can do for each of tfevents' long jobs on the
// generated eval log, written as plainly as C allows (C++ only for
// std::to_chars), one file per thread, so that our timings can be read
// against what this machine can do at all.
//
//   default  the floor of `best --no-index`: frame every record, check its
//            length and payload CRCs with the CPU's crc32 instruction, walk
//            the Event's wall_time, step and summary, compare each value's
//            tag with the metric; nothing kept but the smallest value.
//   SCAN=1   the floor of `scan`: also intern every value's tag (a small
//            open-addressing table per file, keyed by the tag's length and
//            first and last 8 bytes, then memcmp) and count records, events,
//            scalars and distinct tags.
//   ROWS=1   the floor of `scalars --format csv --no-index`: the scan, and
//            each point as a row `path,tag,step,wall_time,value` (step and
//            wall time formatted once per event, doubles by libstdc++'s
//            shortest round-trip std::to_chars), written to standard output
//            in 1 MiB pieces. With two threads the pieces of two files
//            interleave (a floor, not a tool); THREADS=1 keeps file order.
//   INDEX=F  the floor of `index --rebuild`: the scan, each point's tag id
//            and value and each event's step, wall time, offset and point
//            count kept in columns, and every 2^20 points the columns (tag
//            ids as bytes, values as four byte planes, steps and offsets as
//            deltas) compressed with zstd level 1 (the level of our index)
//            and appended to the file F.
//
// It handles only what the generated eval log holds (TF1 simple values and
// TF2 float tensors, written in the usual field order): no errors, no
// resynchronisation, no long varints, no checkpoints. A measuring stick, not
// a reader. Build and run (README, Performance):
//
//   c++ -O2 -msse4.2 -pthread -o /tmp/floor Benchmarks/compare/floor.cc -lzstd
//   /tmp/floor loss /tmp/corpus/eval-model/eval/*        # THREADS=1, NOCRC=1, SCAN=1, ROWS=1, INDEX=F
#include <charconv>
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
#include <zstd.h>

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
static int verify = 1, scan = 0, rows = 0;
static int index_fd = -1;
static long records, scalars, distinct_tags, index_bytes;

// Tags of one file: an open-addressing table of (offset, length) into the
// mapped file, at most 1024 distinct tags (the generated logs have 11).
enum { TAG_SLOTS = 2048 };
typedef struct { const unsigned char *bytes; size_t length; uint32_t id; } tag_entry;

static tag_entry *intern(tag_entry *table, size_t *count, const unsigned char *tag, size_t length) {
    uint64_t key = length, head = 0, tail = 0;
    if (length >= 8) { head = load64(tag); tail = load64(tag + length - 8); }
    else { for (size_t i = 0; i < length; i++) head |= (uint64_t)tag[i] << (8 * i); }
    key = (key ^ head ^ (tail >> 1)) * 0x9E3779B97F4A7C15ull;
    for (size_t slot = key >> 53;; slot = (slot + 1) & (TAG_SLOTS - 1)) {
        tag_entry *entry = &table[slot];
        if (!entry->bytes) {
            if (*count >= 1024) return entry;
            entry->bytes = tag;
            entry->length = length;
            entry->id = (uint32_t)(*count)++;
            return entry;
        }
        if (entry->length == length && memcmp(entry->bytes, tag, length) == 0) return entry;
    }
}
static char **paths;
static int path_count, next_path;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static double best = 1e300;
static long evaluations;

// A varint at *p (the step, and the lengths of event parts).
static uint64_t varint64(const unsigned char **p) {
    uint64_t value = 0;
    for (int shift = 0; shift < 70; shift += 7) {
        unsigned char byte = *(*p)++;
        value |= (uint64_t)(byte & 0x7F) << shift;
        if (!(byte & 0x80)) break;
    }
    return value;
}

static uint32_t varint(const unsigned char **p) { return (uint32_t)varint64(p); }

// ROWS: one thread's rows, written out in pieces of at least 1 MiB.
enum { ROW_PIECE = 1 << 20 };
typedef struct { char bytes[ROW_PIECE + 4096]; size_t count; } row_buffer;

static void flush_rows(row_buffer *out) {
    pthread_mutex_lock(&lock);
    for (size_t done = 0; done < out->count;) {
        ssize_t written = write(1, out->bytes + done, out->count - done);
        if (written <= 0) { perror("write"); exit(2); }
        done += (size_t)written;
    }
    pthread_mutex_unlock(&lock);
    out->count = 0;
}

// INDEX: one thread's columns for one chunk of points.
enum { CHUNK_POINTS = 1 << 20 };
typedef struct {
    uint8_t tags[CHUNK_POINTS];
    float values[CHUNK_POINTS];
    long points;
    int64_t *steps, *offsets;
    double *walls;
    uint16_t *counts;
    long events, event_capacity;
    unsigned char *encoded, *compressed;
    size_t compressed_capacity;
    ZSTD_CCtx *context;
} index_columns;

static void add_event(index_columns *c, int64_t step, double wall, int64_t offset) {
    if (c->events == c->event_capacity) {
        c->event_capacity = c->event_capacity ? 2 * c->event_capacity : 1 << 18;
        c->steps = (int64_t *)realloc(c->steps, (size_t)c->event_capacity * 8);
        c->offsets = (int64_t *)realloc(c->offsets, (size_t)c->event_capacity * 8);
        c->walls = (double *)realloc(c->walls, (size_t)c->event_capacity * 8);
        c->counts = (uint16_t *)realloc(c->counts, (size_t)c->event_capacity * 2);
    }
    c->steps[c->events] = step;
    c->walls[c->events] = wall;
    c->offsets[c->events] = offset;
    c->counts[c->events] = 0;
    c->events++;
}

// Encodes the chunk's columns, compresses them and appends them to the index.
static void flush_chunk(index_columns *c) {
    if (c->events == 0) return;
    size_t need = (size_t)c->points * 5 + (size_t)c->events * 26;
    c->encoded = (unsigned char *)realloc(c->encoded, need);
    unsigned char *p = c->encoded;
    memcpy(p, c->tags, (size_t)c->points);
    p += c->points;
    for (int plane = 0; plane < 4; plane++)
        for (long i = 0; i < c->points; i++) {
            uint32_t bits;
            memcpy(&bits, &c->values[i], 4);
            *p++ = (unsigned char)(bits >> (8 * plane));
        }
    int64_t last_step = 0, last_offset = 0;
    for (long e = 0; e < c->events; e++) {
        uint32_t step_delta = (uint32_t)(c->steps[e] - last_step), offset_delta = (uint32_t)(c->offsets[e] - last_offset);
        last_step = c->steps[e];
        last_offset = c->offsets[e];
        memcpy(p, &step_delta, 4);
        memcpy(p + 4, &offset_delta, 4);
        memcpy(p + 8, &c->walls[e], 8);
        memcpy(p + 16, &c->counts[e], 2);
        p += 18;
    }
    size_t length = (size_t)(p - c->encoded), bound = ZSTD_compressBound(length);
    if (bound > c->compressed_capacity) {
        c->compressed = (unsigned char *)realloc(c->compressed, bound);
        c->compressed_capacity = bound;
    }
    if (!c->context) c->context = ZSTD_createCCtx();
    size_t written = ZSTD_compressCCtx(c->context, c->compressed, bound, c->encoded, length, 1);
    if (ZSTD_isError(written)) { fprintf(stderr, "zstd: %s\n", ZSTD_getErrorName(written)); exit(2); }
    pthread_mutex_lock(&lock);
    if (write(index_fd, c->compressed, written) != (ssize_t)written) { perror("index"); exit(2); }
    index_bytes += (long)written;
    pthread_mutex_unlock(&lock);
    c->points = 0;
    c->events = 0;
}

static void read_file(const char *path) {
    int fd = open(path, O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) { perror(path); exit(2); }
    size_t size = (size_t)st.st_size;
    const unsigned char *bytes = (const unsigned char *)mmap(NULL, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
    close(fd);
    if (bytes == MAP_FAILED) { perror(path); exit(2); }
    double file_best = 1e300;
    long file_evaluations = 0, file_records = 0, file_scalars = 0;
    static thread_local tag_entry table[TAG_SLOTS];
    static thread_local row_buffer *out;
    static thread_local index_columns *columns;
    if (rows && !out) out = (row_buffer *)calloc(1, sizeof(row_buffer));
    if (index_fd >= 0 && !columns) columns = (index_columns *)calloc(1, sizeof(index_columns));
    memset(table, 0, sizeof table);
    size_t tag_count = 0, path_length = strlen(path);
    char middle[64];
    size_t middle_length = 0;
    for (size_t offset = 0; offset + 16 <= size;) {
        uint64_t length = load64(bytes + offset);
        if (masked(crc32c(bytes + offset, 8)) != load32(bytes + offset + 8) || length > size - offset - 16) break;
        const unsigned char *p = bytes + offset + 12, *end = p + length;
        int64_t record_offset = (int64_t)offset;
        offset += 16 + length;
        file_records++;
        if (verify && masked(crc32c(p, length)) != load32(end)) continue;
        if (length < 11 || p[0] != 0x09 || p[9] != 0x10) continue;  // wall_time, step
        double wall;
        memcpy(&wall, p + 1, 8);
        p += 10;
        int64_t step = (int64_t)varint64(&p);
        if (p >= end || *p++ != 0x2A) continue;  // summary
        const unsigned char *summary_end = p + varint(&p);
        file_evaluations++;
        if (rows) {
            char *m = middle;
            *m++ = ',';
            m = std::to_chars(m, middle + sizeof middle, step).ptr;
            *m++ = ',';
            m = std::to_chars(m, middle + sizeof middle, wall).ptr;
            *m++ = ',';
            middle_length = (size_t)(m - middle);
        }
        if (columns) {
            if (columns->points + 64 > CHUNK_POINTS) flush_chunk(columns);
            add_event(columns, step, wall, record_offset);
        }
        // Values: length, tag, then a simple_value (0x15, 4 bytes) or a TF2
        // float tensor (0x42, 10 bytes: dtype, empty shape, 4 bytes of content).
        static const unsigned char tensor[8] = {0x42, 0x0A, 0x08, 0x01, 0x12, 0x00, 0x22, 0x04};
        while (p + 4 <= summary_end && p[0] == 0x0A) {
            size_t value_length = p[1], tag_length = p[3];
            const unsigned char *tag = p + 4, *member = tag + tag_length;
            p += 2 + value_length;
            tag_entry *entry = NULL;
            if (scan || rows || columns) {
                entry = intern(table, &tag_count, tag, tag_length);
                file_scalars++;
            } else if (tag_length != metric_length || memcmp(tag, metric, tag_length) != 0) {
                continue;
            }
            float value;
            if (*member == 0x15) memcpy(&value, member + 1, 4);
            else if (memcmp(member, tensor, 8) == 0) memcpy(&value, member + 8, 4);
            else continue;
            if (!entry) {
                if (value < file_best) file_best = value;
                continue;
            }
            if (rows) {
                char *r = out->bytes + out->count;
                memcpy(r, path, path_length);
                r += path_length;
                *r++ = ',';
                memcpy(r, tag, tag_length);
                r += tag_length;
                memcpy(r, middle, middle_length);
                r += middle_length;
                r = std::to_chars(r, r + 32, (double)value).ptr;
                *r++ = '\n';
                out->count = (size_t)(r - out->bytes);
                if (out->count >= ROW_PIECE) flush_rows(out);
            }
            if (columns) {
                columns->tags[columns->points] = (uint8_t)entry->id;
                columns->values[columns->points] = value;
                columns->points++;
                columns->counts[columns->events - 1]++;
            }
        }
    }
    munmap((void *)bytes, size);
    if (out && out->count > 0) flush_rows(out);
    if (columns) flush_chunk(columns);
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
    if (getenv("ROWS")) rows = 1;
    if (getenv("INDEX")) {
        index_fd = open(getenv("INDEX"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (index_fd < 0) { perror(getenv("INDEX")); return 2; }
    }
    int threads = getenv("THREADS") ? atoi(getenv("THREADS")) : 2;
    if (threads < 1 || threads > 64) threads = 2;
    pthread_t ids[64];
    for (int i = 0; i < threads; i++) pthread_create(&ids[i], NULL, worker, NULL);
    for (int i = 0; i < threads; i++) pthread_join(ids[i], NULL);
    if (scan || rows || index_fd >= 0)
        fprintf(rows ? stderr : stdout, "%ld records, %ld events, %ld scalars, %ld tags (summed over files)\n", records,
                evaluations, scalars, distinct_tags);
    else
        printf("%ld evaluations, smallest %s %.9g\n", evaluations, metric, best);
    if (index_fd >= 0) printf("index: %ld bytes\n", index_bytes);
    return 0;
}
