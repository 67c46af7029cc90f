print("pixwizard-bench: benchmarks land with the engine")
