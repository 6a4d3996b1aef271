using MnistPipeline.Networks;
using MnistPipeline.Schema;
using TorchSharp;
using static System.FormattableString;
using static TorchSharp.torch;

namespace MnistPipeline.Training;

/// <summary>
/// What a network is trained to do: how many outputs it has, the label type it reads, its loss
/// and its accuracy meter. The training loop is the same for every task; this is what differs.
/// </summary>
internal abstract class TrainingTask
{
    public abstract NetworkTask Task { get; }

    public abstract LabelKind LabelKind { get; }

    /// <summary>Number of raw outputs of the network.</summary>
    public abstract int OutputSize { get; }

    /// <summary>Class count of a key label; 0 otherwise.</summary>
    public virtual int ClassCount => 0;

    /// <summary>Whether the task has an accuracy (classification) next to its loss.</summary>
    public virtual bool HasAccuracy => true;

    /// <summary>Mean loss of a training batch (with the training-only terms, e.g. label smoothing).</summary>
    public abstract Tensor TrainingLoss(Tensor outputs, Tensor targets);

    /// <summary>Summed loss of an evaluation chunk (no training-only terms).</summary>
    public abstract Tensor SummedLoss(Tensor outputs, Tensor targets);

    /// <summary>Number of rows predicted right, as an Int64 scalar tensor (classification only).</summary>
    public abstract Tensor CorrectCount(Tensor outputs, Tensor targets);

    /// <summary>
    /// Why the fused step cannot train this task (a loss term without a hand-written gradient, e.g.
    /// label smoothing); null when <see cref="LossAndOutputGradient"/> is available.
    /// </summary>
    public virtual string? WhyNoOutputGradient => null;

    /// <summary>
    /// For the fused step: the batch's mean training loss (the value <see cref="TrainingLoss"/>
    /// gives) and its gradient with respect to the outputs, as <c>dLoss/dOutputs = Scale · Gradient</c>.
    /// The gradient may be <paramref name="outputs"/> changed in place: read anything else from the
    /// outputs first (e.g. <see cref="CorrectCount"/>). <paramref name="minusOnes"/> is a [rows, 1]
    /// tensor of −1 (Float32), the caller's constant for subtracting one-hot targets.
    /// </summary>
    public abstract (Tensor Loss, Tensor Gradient, float Scale) LossAndOutputGradient(Tensor outputs, Tensor targets, Tensor minusOnes);

    /// <summary>
    /// Called once with the loaded data before training: a regression standardizes its targets
    /// here (from the training rows, or from the warm-start model so that its weights keep their
    /// meaning). Returns the head's target scale and offset.
    /// </summary>
    public virtual (float Scale, float Offset) PrepareTargets(TensorDataset train, TensorDataset? validation, NetworkModelParameters? initial) => (1, 0);

    /// <summary>The task's settings for the log header.</summary>
    public abstract string Describe();

    public static TrainingTask Multiclass(int classCount, ClassificationLoss loss, double labelSmoothing) => new MulticlassTask(classCount, loss, labelSmoothing);

    public static TrainingTask Binary() => new BinaryTask();

    public static TrainingTask Regression(RegressionLoss loss, double huberDelta) => new RegressionTask(loss, huberDelta);

    private sealed class MulticlassTask(int classCount, ClassificationLoss loss, double labelSmoothing) : TrainingTask
    {
        public override NetworkTask Task => NetworkTask.MulticlassClassification;
        public override LabelKind LabelKind => LabelKind.Key;
        public override int OutputSize => classCount;
        public override int ClassCount => classCount;

        public override Tensor TrainingLoss(Tensor outputs, Tensor targets) => loss switch
        {
            ClassificationLoss.CrossEntropy => nn.functional.cross_entropy(outputs, targets, label_smoothing: labelSmoothing),
            _ => SquaredErrorSum(outputs, targets) / targets.shape[0],
        };

        public override Tensor SummedLoss(Tensor outputs, Tensor targets) => loss switch
        {
            ClassificationLoss.CrossEntropy => nn.functional.cross_entropy(outputs, targets, reduction: nn.Reduction.Sum),
            _ => SquaredErrorSum(outputs, targets),
        };

        public override Tensor CorrectCount(Tensor outputs, Tensor targets) => outputs.argmax(1).eq(targets).sum();

        public override string? WhyNoOutputGradient => labelSmoothing > 0 ? Invariant($"label smoothing {labelSmoothing}") : null;

        public override (Tensor Loss, Tensor Gradient, float Scale) LossAndOutputGradient(Tensor outputs, Tensor targets, Tensor minusOnes)
        {
            if (labelSmoothing > 0)
                throw new InvalidOperationException("Label smoothing has no hand-written gradient here; train with autograd.");
            float rows = targets.shape[0];
            using var index = targets.unsqueeze(1);
            if (loss == ClassificationLoss.CrossEntropy)
            {
                // d/dz mean(logsumexp(z) − z[y]) = (softmax(z) − one_hot(y)) / rows
                var crossEntropy = nn.functional.cross_entropy(outputs, targets);
                return (crossEntropy, outputs.softmax(1).scatter_add_(1, index, minusOnes), 1 / rows);
            }
            // d/dz Σ(z − one_hot(y))² / rows = 2 (z − one_hot(y)) / rows; the same sum as SquaredErrorSum, bit for bit.
            var difference = outputs.scatter_add_(1, index, minusOnes);
            using var squares = difference.square();
            return (squares.sum() / rows, difference, 2 / rows);
        }

        public override string Describe() => Invariant($"multiclass ({classCount} classes), loss {loss}, label smoothing {labelSmoothing}");

        private Tensor SquaredErrorSum(Tensor outputs, Tensor targets)
            => (outputs - nn.functional.one_hot(targets, classCount).to(ScalarType.Float32)).square().sum();
    }

    private sealed class BinaryTask : TrainingTask
    {
        public override NetworkTask Task => NetworkTask.BinaryClassification;
        public override LabelKind LabelKind => LabelKind.Boolean;
        public override int OutputSize => 1;

        public override Tensor TrainingLoss(Tensor outputs, Tensor targets)
            => nn.functional.binary_cross_entropy_with_logits(outputs.squeeze(1), targets);

        public override Tensor SummedLoss(Tensor outputs, Tensor targets)
            => nn.functional.binary_cross_entropy_with_logits(outputs.squeeze(1), targets, reduction: nn.Reduction.Sum);

        public override Tensor CorrectCount(Tensor outputs, Tensor targets) => outputs.squeeze(1).gt(0).eq(targets.gt(0.5)).sum();

        public override (Tensor Loss, Tensor Gradient, float Scale) LossAndOutputGradient(Tensor outputs, Tensor targets, Tensor minusOnes)
        {
            // d/dz mean(log(1 + e^z) − y·z) = (σ(z) − y) / rows
            var loss = TrainingLoss(outputs, targets);
            using var column = targets.unsqueeze(1);
            return (loss, outputs.sigmoid_().sub_(column), 1f / targets.shape[0]);
        }

        public override string Describe() => "binary, loss logistic (cross-entropy of the sigmoid)";
    }

    private sealed class RegressionTask(RegressionLoss loss, double huberDelta) : TrainingTask
    {
        public override NetworkTask Task => NetworkTask.Regression;
        public override LabelKind LabelKind => LabelKind.Single;
        public override int OutputSize => 1;
        public override bool HasAccuracy => false;

        public override Tensor TrainingLoss(Tensor outputs, Tensor targets) => Loss(outputs, targets, nn.Reduction.Mean);

        public override Tensor SummedLoss(Tensor outputs, Tensor targets) => Loss(outputs, targets, nn.Reduction.Sum);

        public override Tensor CorrectCount(Tensor outputs, Tensor targets)
            => throw new InvalidOperationException("A regression has no accuracy.");

        public override (Tensor Loss, Tensor Gradient, float Scale) LossAndOutputGradient(Tensor outputs, Tensor targets, Tensor minusOnes)
        {
            var value = TrainingLoss(outputs, targets);
            float rows = targets.shape[0];
            using var column = targets.unsqueeze(1);
            var residual = outputs.sub_(column);
            return loss switch
            {
                RegressionLoss.AbsoluteError => (value, residual.sign_(), 1 / rows),                       // d|r|/dr = sign(r)
                RegressionLoss.Huber => (value, residual.clamp_(-huberDelta, huberDelta), 1 / rows),   // r inside ±δ, ±δ beyond
                _ => (value, residual, 2 / rows),                                                       // d r²/dr = 2r
            };
        }

        public override (float Scale, float Offset) PrepareTargets(TensorDataset train, TensorDataset? validation, NetworkModelParameters? initial)
        {
            float offset, scale;
            if (initial is not null)
            {
                (scale, offset) = (initial.TargetScale, initial.TargetOffset);
            }
            else
            {
                using var scope = torch.NewDisposeScope();
                offset = train.Labels.mean().item<float>();
                float std = train.Labels.std(unbiased: false).item<float>();
                scale = std > 0 && float.IsFinite(std) ? std : 1;
            }
            Standardize(train.Labels, offset, scale);
            if (validation is not null)
                Standardize(validation.Labels, offset, scale);
            return (scale, offset);
        }

        public override string Describe() => loss == RegressionLoss.Huber
            ? Invariant($"regression, loss Huber (delta {huberDelta}) on standardized targets")
            : Invariant($"regression, loss {loss} on standardized targets");

        private Tensor Loss(Tensor outputs, Tensor targets, nn.Reduction reduction) => loss switch
        {
            RegressionLoss.AbsoluteError => nn.functional.l1_loss(outputs.squeeze(1), targets, reduction),
            RegressionLoss.Huber => nn.functional.huber_loss(outputs.squeeze(1), targets, huberDelta, reduction),
            _ => nn.functional.mse_loss(outputs.squeeze(1), targets, reduction),
        };

        private static void Standardize(Tensor labels, float offset, float scale)
        {
            using var noGrad = torch.no_grad();
            labels.sub_(offset).div_(scale);
        }
    }
}
