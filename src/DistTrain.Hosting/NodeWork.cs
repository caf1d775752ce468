using DistTrain.Actors;
using DistTrain.Core.Data;
using DistTrain.Protocol;

namespace DistTrain.Hosting;

/// <summary>
/// What a node trains on, by role: every worker and coordinator node reads the same training set
/// locally (<see cref="Train"/>; only sample positions travel); the coordinator also holds the
/// run's options (<see cref="Run"/>, whose <see cref="DistTrainOptions.Workers"/> is the number of
/// worker actors that must register before the first step), the optional test set, and the sink
/// for the run's events. A parameter-server-only node needs nothing.
/// </summary>
public sealed record NodeWork(
    Dataset? Train = null, Dataset? Test = null, DistTrainOptions? Run = null, IProgress<IDistTrainMessage>? Progress = null)
{
    /// <summary>Throws <see cref="ArgumentException"/> when a role of <paramref name="node"/> lacks what it needs.</summary>
    public void Validate(DistTrainNodeOptions node)
    {
        ArgumentNullException.ThrowIfNull(node);
        if ((node.Has(NodeRoles.Worker) || node.Has(NodeRoles.Coordinator)) && Train is null)
        {
            throw new ArgumentException("a worker or coordinator node needs the training set.", nameof(Train));
        }

        if (node.Has(NodeRoles.Coordinator))
        {
            if (Run is null)
            {
                throw new ArgumentException("a coordinator node needs the run's options.", nameof(Run));
            }

            Run.Validate();
        }
    }
}
