using DistTrain.Core.Layers;
using DistTrain.Protocol;

namespace DistTrain.Actors;

/// <summary>A finished run of the actor engine: the model, its final parameters and the run's metrics.</summary>
/// <param name="StalenessHistogram">Entry k counts the updates applied k updates after the parameters they were computed on (all 0 in sync mode).</param>
public sealed record DistTrainResult(
    Sequential Model, float[] Parameters, long Steps, IReadOnlyList<EpochCompleted> Epochs, IReadOnlyList<long> StalenessHistogram)
{
    /// <summary>Each node's recorded phases when the run recorded a timeline (<see cref="DistTrainOptions.Timeline"/>), else empty.</summary>
    public IReadOnlyList<Activity.NodeTimeline> Timeline { get; init; } = [];
}
