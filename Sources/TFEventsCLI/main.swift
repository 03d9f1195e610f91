import TFEvents
print("placeholder")
