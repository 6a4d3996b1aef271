// TorchSharp state (threads, seeds, the native allocator) is process-wide: tests run one at a time.
[assembly: DoNotParallelize]
