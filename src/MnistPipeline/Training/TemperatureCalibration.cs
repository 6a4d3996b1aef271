using MnistPipeline.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace MnistPipeline.Training;

/// <summary>
/// Temperature scaling (Guo et al. 2017): the one temperature T that minimizes the mean log-loss
/// of softmax(outputs / T) (binary: sigmoid(logit / T)) on held-out rows. The loss is convex in
/// 1/T, so its derivative is monotone and a bisection on log(1/T) finds the minimum to float
/// precision; the search covers T in [<see cref="MinimumTemperature"/>, <see cref="MaximumTemperature"/>].
/// </summary>
internal static class TemperatureCalibration
{
    public const double MinimumTemperature = 0.01;
    public const double MaximumTemperature = 100;
    private const int Iterations = 60;

    /// <summary>What the fit found.</summary>
    /// <param name="Temperature">The temperature to put in the head (1 when none was fitted).</param>
    /// <param name="LossBefore">Mean log-loss of the held-out rows at temperature 1.</param>
    /// <param name="LossAfter">Mean log-loss at <paramref name="Temperature"/>.</param>
    /// <param name="Note">Why the temperature is not the interior minimum (it lies at a bound, or none exists); null otherwise.</param>
    public sealed record Result(float Temperature, double LossBefore, double LossAfter, string? Note);

    /// <summary>
    /// After training: fits the temperature of a classifier on <see cref="HeldOutRows.CalibrationRows"/>
    /// when <paramref name="calibration"/> asks for it, and logs what it found. Returns the summary
    /// (its temperature goes into the model's head), or null for a regression.
    /// </summary>
    public static CalibrationSummary? Run(NetworkModule module, TrainingTask task, ProbabilityCalibration calibration, HeldOutRows rows,
        Microsoft.ML.Runtime.IChannel channel, CancellationToken cancellationToken)
    {
        if (!task.HasAccuracy)
            return null;
        if (calibration == ProbabilityCalibration.None)
        {
            channel.Info(Microsoft.ML.Runtime.MessageSensitivity.None, "Calibration: none (Calibration = None); temperature 1.");
            return new CalibrationSummary(1, "none", 0, double.NaN, double.NaN, "Calibration = None");
        }
        if (rows.CalibrationRows is not { } data)
        {
            const string why = "no held-out rows to fit the temperature on (give validation data or a ValidationFraction > 0)";
            channel.Warning(Microsoft.ML.Runtime.MessageSensitivity.None, $"Calibration: skipped, {why}; temperature 1.");
            return new CalibrationSummary(1, rows.CalibrationDescription, 0, double.NaN, double.NaN, why);
        }

        Result result;
        using (var scope = torch.NewDisposeScope())
        {
            var outputs = Outputs(module, data.Features, cancellationToken);
            result = Fit(outputs, data.Labels, task.Task);
        }
        string note = result.Note is null ? "" : $" ({result.Note})";
        channel.Info(Microsoft.ML.Runtime.MessageSensitivity.None, System.FormattableString.Invariant(
            $"Calibration: temperature {result.Temperature:G4} fitted on {rows.CalibrationDescription}{note}; their log-loss {result.LossBefore:F4} at temperature 1, {result.LossAfter:F4} at {result.Temperature:G4}."));
        return new CalibrationSummary(result.Temperature, rows.CalibrationDescription, data.Count, result.LossBefore, result.LossAfter, result.Note);
    }

    /// <summary>The network's raw outputs for every row, in evaluation mode (no dropout), without gradients.</summary>
    private static Tensor Outputs(NetworkModule module, Tensor features, CancellationToken cancellationToken)
    {
        module.eval();
        using var noGrad = torch.no_grad();
        var chunks = new List<Tensor>();
        long rows = features.shape[0];
        long chunk = module.EvaluationRows;
        for (long start = 0; start < rows; start += chunk)
        {
            cancellationToken.ThrowIfCancellationRequested();
            chunks.Add(module.forward(features.narrow(0, start, Math.Min(chunk, rows - start))));
        }
        return torch.cat(chunks, 0);
    }

    /// <summary>
    /// Fits T to raw outputs: multiclass [n, k] with Int64 class indices, binary [n, 1] (or [n])
    /// logits with Float32 targets 0/1. Works in double precision on the CPU.
    /// </summary>
    public static Result Fit(Tensor outputs, Tensor targets, NetworkTask task)
    {
        using var scope = torch.NewDisposeScope();
        var z = outputs.detach().to(ScalarType.Float64).cpu();
        var objective = task == NetworkTask.BinaryClassification
            ? Binary(z.reshape(-1), targets.cpu().to(ScalarType.Float64).reshape(-1))
            : Multiclass(z, targets.cpu().to(ScalarType.Int64));

        double before = objective(1).Loss;
        double low = Math.Log(1 / MaximumTemperature), high = Math.Log(1 / MinimumTemperature); // in log(1/T)
        if (objective(Math.Exp(high)).Slope <= 0)
        {
            // Sharper always fits better: every held-out row is right, so no finite temperature
            // minimizes their loss. Sharpening on such evidence would make the model overconfident.
            return new Result(1, before, before,
                "the held-out rows are all classified right (or nearly, by thin margins), so their loss keeps falling as the temperature falls; kept 1");
        }
        if (objective(Math.Exp(low)).Slope > 0)
        {
            double flattest = objective(Math.Exp(low)).Loss;
            return new Result((float)MaximumTemperature, before, flattest, $"the best temperature is at the upper bound {MaximumTemperature}");
        }
        for (int i = 0; i < Iterations; i++)
        {
            double middle = 0.5 * (low + high);
            if (objective(Math.Exp(middle)).Slope > 0)
                high = middle;
            else
                low = middle;
        }
        double beta = Math.Exp(0.5 * (low + high));
        return new Result((float)(1 / beta), before, objective(beta).Loss, null);
    }

    /// <summary>Mean loss at inverse temperature β and its derivative with respect to β.</summary>
    private delegate (double Loss, double Slope) Objective(double beta);

    private static Objective Multiclass(Tensor z, Tensor classes)
    {
        var picked = z.gather(1, classes.unsqueeze(1)).squeeze(1);
        return beta =>
        {
            using var scope = torch.NewDisposeScope();
            var scaled = z * beta;
            var logNormalizer = scaled.logsumexp(1);
            double loss = (logNormalizer - picked * beta).mean().item<double>();
            // d/dβ [logsumexp(βz) − βz_y] = Σ softmax(βz)·z − z_y
            double slope = ((scaled.softmax(1) * z).sum(1) - picked).mean().item<double>();
            return (loss, slope);
        };
    }

    private static Objective Binary(Tensor z, Tensor y)
    {
        return beta =>
        {
            using var scope = torch.NewDisposeScope();
            var scaled = z * beta;
            double loss = (nn.functional.softplus(scaled) - y * scaled).mean().item<double>();
            double slope = ((scaled.sigmoid() - y) * z).mean().item<double>();
            return (loss, slope);
        };
    }
}
