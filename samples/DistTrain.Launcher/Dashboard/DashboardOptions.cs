using System.Globalization;
using System.Net;

namespace DistTrain.Launcher.Dashboard;

/// <summary>
/// Where <c>--dashboard [HOST:]PORT</c> serves the run's page, events and metrics, and how long
/// <c>--dashboard-linger SECONDS</c> keeps them up after the run ends. The host defaults to
/// loopback: a dashboard is seen by other machines only when asked for (<c>0.0.0.0:8080</c>).
/// </summary>
/// <param name="Address">The address to listen on; <see cref="IPAddress.Any"/> or <see cref="IPAddress.IPv6Any"/> for every interface.</param>
/// <param name="Port">The TCP port; 0 takes any free one (the started server says which).</param>
internal sealed record DashboardOptions(IPAddress Address, int Port, TimeSpan Linger)
{
    /// <summary>
    /// Reads <c>[HOST:]PORT</c>: HOST is an IP address (IPv6 in brackets), <c>localhost</c> or
    /// <c>*</c> (every interface). A bad value is a <see cref="FormatException"/> whose message
    /// follows the option's name (<c>must be ...</c>), for the reader to name the option or key.
    /// </summary>
    public static DashboardOptions Parse(string text, TimeSpan linger)
    {
        int colon = text.LastIndexOf(':');
        string host = colon < 0 ? "127.0.0.1" : text[..colon];
        string port = colon < 0 ? text : text[(colon + 1)..];
        if (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out int number) || number > 65535)
        {
            throw new FormatException($"must be [HOST:]PORT with PORT in 0..65535, like 8080 or 0.0.0.0:8080; got '{text}'");
        }

        IPAddress address = host switch
        {
            "localhost" => IPAddress.Loopback,
            "*" => IPAddress.Any,
            _ when IPAddress.TryParse(host.Trim('[', ']'), out IPAddress? parsed) && (host.Contains(':') == host.StartsWith('[')) => parsed,
            _ => throw new FormatException(
                $"must name its host as an IP address (IPv6 in brackets), localhost or *; got '{host}' in '{text}'"),
        };
        return new DashboardOptions(address, number, linger);
    }
}
