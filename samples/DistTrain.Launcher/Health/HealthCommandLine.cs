using System.Globalization;
using DistTrain.Launcher.Options;

namespace DistTrain.Launcher.Health;

/// <summary>
/// <c>disttrain health [HOST:]PORT [--timeout S]</c>: where a node's health endpoints are (HOST
/// defaults to 127.0.0.1, as a container's health check asks its own node) and how long to wait.
/// </summary>
internal static class HealthCommandLine
{
    private static readonly HashSet<string> s_valued = ["--timeout"];

    public static HealthSettings Parse(ReadOnlySpan<string> args)
    {
        if (args.Length == 0 || args[0].StartsWith("--", StringComparison.Ordinal))
        {
            throw new UsageException("health needs the node's health endpoint as [HOST:]PORT, like 8558 or node-1:8558");
        }

        string target = args[0];
        OptionReader options = OptionReader.Parse(args[1..].ToArray(), new HashSet<string>(), s_valued);
        double timeout = options.OptionalPositiveDouble("--timeout") ?? 3;
        int colon = target.LastIndexOf(':');
        string host = colon < 0 ? "127.0.0.1" : target[..colon];
        string port = colon < 0 ? target : target[(colon + 1)..];
        if (host.Length == 0 || !int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out int number) || number is 0 or > 65535)
        {
            throw new UsageException($"health takes [HOST:]PORT with PORT in 1..65535, like 8558 or node-1:8558; got '{target}'");
        }

        return new HealthSettings(new UriBuilder(Uri.UriSchemeHttp, host, number, "/ready").Uri, TimeSpan.FromSeconds(timeout));
    }
}
