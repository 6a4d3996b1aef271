namespace MnistPipeline.Training;

public sealed partial class ConvNetTrainer
{
    /// <summary>
    /// Options of <see cref="ConvNetTrainer"/>. A new instance holds the recommended settings
    /// (<see cref="Recommended"/>: conv 32@3×3 + BN, max pool, conv 64@3×3 + BN, max pool, dense
    /// 128, dropout 0.25; Adam at 0.002 with cosine decay, cross-entropy, batch 128, 6 shuffled
    /// epochs; 5% of the rows kept out for the calibration temperature); <see cref="LeNet5"/> gives LeNet-5.
    /// </summary>
    public sealed class Options : ConvNetTrainerOptionsBase
    {
        /// <summary>
        /// The recommended settings. Like the MLP's MNIST presets, 5% of the training rows (3,000 of
        /// MNIST's 60,000) are kept out to fit the calibration temperature, not the 10% of
        /// <see cref="NetworkTrainerOptions.ValidationFraction"/>'s automatic default: one temperature
        /// needs few rows, and every row kept out is one the network does not learn from.
        /// </summary>
        public Options() => ValidationFraction = 0.05;

        /// <summary>The loss to minimize. Default <see cref="ClassificationLoss.CrossEntropy"/>.</summary>
        public ClassificationLoss Loss { get; set; } = NetworkDefaults.ClassificationLoss;

        /// <summary>Label smoothing of the cross-entropy loss; in [0, 1). Default 0.</summary>
        public double LabelSmoothing { get; set; } = NetworkDefaults.LabelSmoothing;

        /// <summary>Name of the predicted-label column the fitted transformer adds. Default "PredictedLabel".</summary>
        public string PredictedLabelColumnName { get; set; } = NetworkDefaults.PredictedLabelColumnName;

        /// <summary>The recommended settings: the same as <c>new Options()</c>.</summary>
        public static Options Recommended() => new();

        /// <summary>
        /// LeNet-5 (LeCun et al., 1998) with today's ReLU and max pooling: conv 6@5×5 with padding
        /// 2 (the original's 32 × 32 input on MNIST's 28 × 28), max pool 2×2, conv 16@5×5, max
        /// pool 2×2, dense 120, dense 84; Adam at 0.002 with cosine decay, cross-entropy, batch
        /// 128, 6 shuffled epochs.
        /// </summary>
        public static Options LeNet5() => new()
        {
            Layers = ConvNetDefaults.LeNet5Layers,
            Epochs = ConvNetDefaults.LeNet5Epochs,
        };

        internal override IReadOnlyList<(string Option, string Column)> OutputColumns =>
            [(nameof(ScoreColumnName), ScoreColumnName), (nameof(PredictedLabelColumnName), PredictedLabelColumnName)];

        internal override void Validate()
        {
            base.Validate();
            OptionCheck.Defined(Loss, nameof(Loss));
            OptionCheck.InRange(LabelSmoothing, 0, 1, nameof(LabelSmoothing));
            ValidateOutputColumns();
        }
    }
}
