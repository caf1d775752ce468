namespace DistTrain.Actors;

/// <summary>The steps a timeline records, <see cref="FromStep"/> to <see cref="ToStep"/> inclusive (<c>--timeline-steps A-B</c>).</summary>
public sealed record TimelineWindow(long FromStep, long ToStep)
{
    /// <summary>Every step of the run.</summary>
    public static TimelineWindow All { get; } = new(0, long.MaxValue);

    /// <summary>Throws <see cref="ArgumentException"/> unless 0 &lt;= from &lt;= to.</summary>
    public void Validate()
    {
        if (FromStep < 0 || ToStep < FromStep)
        {
            throw new ArgumentException($"timeline steps {FromStep}-{ToStep} are invalid: they must be A-B with 0 <= A <= B.", nameof(FromStep));
        }
    }
}
