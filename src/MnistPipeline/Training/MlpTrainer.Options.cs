namespace MnistPipeline.Training;

public sealed partial class MlpTrainer
{
    /// <summary>
    /// Options of <see cref="MlpTrainer"/>. A new instance holds the recommended settings
    /// (<see cref="Recommended"/>: 256-128 ReLU, Adam at 0.002 with cosine decay, cross-entropy,
    /// batch 128, 10 shuffled epochs; 98.5% on MNIST in about 10 s on 2 cores);
    /// <see cref="Tutorial"/> gives the Keras tutorial's recipe exactly.
    /// </summary>
    public sealed class Options : MlpTrainerOptionsBase
    {
        /// <summary>The loss to minimize. Default <see cref="ClassificationLoss.CrossEntropy"/>.</summary>
        public ClassificationLoss Loss { get; set; } = NetworkDefaults.ClassificationLoss;

        /// <summary>Label smoothing of the cross-entropy loss; in [0, 1). Default 0.</summary>
        public double LabelSmoothing { get; set; } = NetworkDefaults.LabelSmoothing;

        /// <summary>Name of the predicted-label column the fitted transformer adds. Default "PredictedLabel".</summary>
        public string PredictedLabelColumnName { get; set; } = NetworkDefaults.PredictedLabelColumnName;

        /// <summary>
        /// The Keras tutorial exactly: 256-128 ReLU, Glorot-uniform weights and zero biases, SGD
        /// with learning rate 0.01 and no momentum, squared error against one-hot labels, batch
        /// 32, no shuffling, 10 epochs, a constant learning rate.
        /// </summary>
        public static Options Tutorial() => new()
        {
            HiddenLayers = [256, 128],
            Activation = Networks.Activation.Relu,
            WeightInitialization = WeightInitialization.GlorotUniform,
            Optimizer = NetworkOptimizer.Sgd,
            LearningRate = 0.01,
            Momentum = 0,
            WeightDecay = 0,
            LearningRateSchedule = LearningRateSchedule.Constant,
            Loss = ClassificationLoss.SquaredError,
            Dropout = 0,
            LabelSmoothing = 0,
            BatchSize = 32,
            Shuffle = false,
            Epochs = 10,
        };

        /// <summary>The recommended settings: the same as <c>new Options()</c>.</summary>
        public static Options Recommended() => new();

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
