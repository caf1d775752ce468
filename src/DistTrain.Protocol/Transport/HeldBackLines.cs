namespace DistTrain.Protocol.Transport;

/// <summary>
/// Lines of one kind that <see cref="LogRateLimiter"/> held back: <see cref="Count"/> of them in
/// the <see cref="Over"/> that ended (a whole interval, or less when the log closed early).
/// </summary>
public sealed record HeldBackLines(string Kind, int Count, TimeSpan Over);
