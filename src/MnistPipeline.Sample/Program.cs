Console.WriteLine("MnistPipeline sample");
