namespace MnistPipeline.Networks;

/// <summary>
/// What the probability calibration after training did (temperature scaling, Guo et al. 2017):
/// kept in a fitted classifier's <c>Calibration</c>, and written to the training log.
/// </summary>
/// <param name="Temperature">The temperature in the model's head: its scores are softmax(outputs / T) (binary: sigmoid(logit / T)); 1 when none was fitted.</param>
/// <param name="Rows">What the temperature was fitted on, e.g. "the 3,000 rows kept out of training" or "the validation data (10,000 rows)"; says so when there were none.</param>
/// <param name="RowCount">How many rows it was fitted on; 0 when none.</param>
/// <param name="LogLossBefore">Mean log-loss of those rows at temperature 1; NaN when none.</param>
/// <param name="LogLossAfter">Mean log-loss of those rows at <paramref name="Temperature"/>; NaN when none.</param>
/// <param name="Note">Why the temperature is not a fitted optimum (calibration off, no rows, or no finite optimum); null when it is.</param>
public sealed record CalibrationSummary(float Temperature, string Rows, long RowCount, double LogLossBefore, double LogLossAfter, string? Note);
