// The sample console: see SampleApp for the flow and SampleCommandLine for the options.
return MnistPipeline.Sample.SampleApp.Run(args, Console.Out, Console.Error, interactive: !Console.IsOutputRedirected);
