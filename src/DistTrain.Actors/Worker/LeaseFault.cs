namespace DistTrain.Actors.Worker;

/// <summary>
/// A test hook: the failure a <see cref="WorkerActor"/> shows on one lease, chosen per lease by
/// the <c>Func&lt;LeaseShard, LeaseFault&gt;</c> given to <see cref="WorkerActor.Props"/>, so
/// that tests of the worker and the coordinator can make a worker slow, stalled, failing or
/// poisonous. <see cref="Delay"/> blocks the worker's thread before the lease runs, as a slow
/// computation would (the worker then handles no other message meanwhile); it combines with
/// any kind. Production callers pass no hook, which is <see cref="None"/> for every lease. It is
/// not a chaos-testing framework: faults are decided by the test, deterministically.
/// </summary>
public readonly record struct LeaseFault(LeaseFaultKind Kind, TimeSpan Delay = default)
{
    public static LeaseFault None => default;

    public static LeaseFault Stall => new(LeaseFaultKind.Stall);

    public static LeaseFault Throw => new(LeaseFaultKind.Throw);

    public static LeaseFault NonFiniteGradient => new(LeaseFaultKind.NonFiniteGradient);

    /// <summary>Run the lease normally, <paramref name="delay"/> late.</summary>
    public static LeaseFault Slow(TimeSpan delay) => new(LeaseFaultKind.None, delay);
}
