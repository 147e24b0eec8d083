"""The Kinesis layers, one module each."""
