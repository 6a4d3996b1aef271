// Loads a saved model with stock ML.NET only. Usage: PlainMlNetApp <model.zip>
using Microsoft.ML;

try
{
    new MLContext().Model.Load(args[0], out _);
    Console.WriteLine("loaded");
    return 0;
}
catch (Exception e)
{
    for (var inner = e; inner is not null; inner = inner.InnerException)
        Console.WriteLine($"{inner.GetType().FullName}: {inner.Message}");
    return 1;
}
