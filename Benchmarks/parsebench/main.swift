print("parsebench")
