namespace DistTrain.Protocol;

/// <summary>What a parameter server does after rejecting a contribution (it never applies one).</summary>
public enum InvalidContributionPolicy
{
    /// <summary>Report it and go on without it; in sync mode the step completes without that worker's share.</summary>
    Skip,

    /// <summary>Report it and stop the run with an error naming the worker and step.</summary>
    StopRun,
}
