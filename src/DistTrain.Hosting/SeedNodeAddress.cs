using System.Globalization;
using Akka.Actor;

namespace DistTrain.Hosting;

/// <summary>
/// Seed node addresses as a user writes them: a full Akka address
/// (<c>akka.tcp://disttrain@HOST:PORT</c>) or just <c>HOST:PORT</c>, which means that address on the
/// actor system every DistTrain node runs (<see cref="DistTrainNodeOptions.SystemName"/>).
/// </summary>
public static class SeedNodeAddress
{
    /// <summary>Parses <paramref name="text"/>; a malformed address, a foreign system name or a bad port is an <see cref="ArgumentException"/> naming it.</summary>
    public static Address Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string trimmed = text.Trim();
        if (trimmed.Contains("://", StringComparison.Ordinal))
        {
            if (!Address.TryParse(trimmed, out Address? address) || address.Host is null || address.Port is null)
            {
                throw new ArgumentException($"seed node '{text}' is not an address like akka.tcp://{DistTrainNodeOptions.SystemName}@HOST:PORT.", nameof(text));
            }

            if (address.System != DistTrainNodeOptions.SystemName)
            {
                throw new ArgumentException(
                    $"seed node '{text}' names the actor system '{address.System}'; DistTrain nodes run '{DistTrainNodeOptions.SystemName}'.", nameof(text));
            }

            return address;
        }

        int colon = trimmed.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(trimmed.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port is < 1 or > 65535)
        {
            throw new ArgumentException($"seed node '{text}' is not HOST:PORT with a port in 1..65535.", nameof(text));
        }

        return new Address("akka.tcp", DistTrainNodeOptions.SystemName, trimmed[..colon].Trim('[', ']'), port);
    }
}
