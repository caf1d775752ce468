using Xunit;

namespace DistTrain.Actors.Tests.Engine;

/// <summary>
/// Tests whose outcome depends on having the machine's cores, run after every other test of this
/// assembly and one at a time. In ssp and async the thread schedule decides each contribution's
/// staleness, and with other engine runs competing for two cores the stale modes' accuracy sank
/// by a point (W1, 2 workers, ssp: 86.84 % over epochs 4-5 in a CI run, against 87.45-87.88 % in
/// three runs on a quiet machine, `engine-w1 5 2 128 ssp`; sync is 87.86 % either way).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AloneOnTheMachine
{
    public const string Name = "alone on the machine";
}
