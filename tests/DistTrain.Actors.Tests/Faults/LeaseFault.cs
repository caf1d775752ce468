namespace DistTrain.Actors.Tests.Faults;

/// <summary>
/// What a <see cref="FaultyWorkerActor"/> does with one lease, chosen per lease by the test's
/// rule. <see cref="Delay"/> holds the lease back that long before acting on it, as a slow
/// worker would be late; it combines with any kind. Faults are decided by the test,
/// deterministically: this is not a chaos-testing framework.
/// </summary>
public readonly record struct LeaseFault(LeaseFaultKind Kind, TimeSpan Delay = default)
{
    public static LeaseFault None => default;

    public static LeaseFault Stall => new(LeaseFaultKind.Stall);

    public static LeaseFault Throw => new(LeaseFaultKind.Throw);

    public static LeaseFault NonFiniteGradient => new(LeaseFaultKind.NonFiniteGradient);

    public static LeaseFault ReportedButLost => new(LeaseFaultKind.ReportedButLost);

    public static LeaseFault ReportedButPartlyLost => new(LeaseFaultKind.ReportedButPartlyLost);

    /// <summary>Pass the lease on normally, <paramref name="delay"/> late.</summary>
    public static LeaseFault Slow(TimeSpan delay) => new(LeaseFaultKind.None, delay);
}
