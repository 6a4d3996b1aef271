using Microsoft.ML;

Console.WriteLine(TransitiveLibrary.Trainers.Small(new MLContext(seed: 1)).GetType().FullName);
