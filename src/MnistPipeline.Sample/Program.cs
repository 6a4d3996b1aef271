using System.Runtime.InteropServices;

// The sample console: see SampleApp for the flow and SampleCommandLine for the options.
// Ctrl+C asks training to stop after the current step (the model file is left as it was; with
// --checkpoint a checkpoint of that step is saved first); a second Ctrl+C ends the process at once.
using var cancel = new CancellationTokenSource();
using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, context =>
{
    if (cancel.IsCancellationRequested)
        return;
    context.Cancel = true;
    cancel.Cancel();
});
return MnistPipeline.Sample.SampleApp.Run(args, Console.Out, Console.Error, interactive: !Console.IsOutputRedirected, cancel.Token);
