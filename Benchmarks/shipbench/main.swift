// Shipping benchmark: see scripts/bench.sh.
print("shipbench: not written yet")
