print("clipz")
