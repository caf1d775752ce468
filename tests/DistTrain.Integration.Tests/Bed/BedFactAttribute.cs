using Xunit;

namespace DistTrain.Integration.Tests.Bed;

/// <summary>
/// A test on the network test bed (<see cref="NetworkBed"/>): skipped, with the reason, when this
/// process cannot build one (it needs root for network namespaces, veth links and tc, and the
/// iproute2 tools). CI runs the tests as root, so there they run.
/// </summary>
public sealed class BedFactAttribute : FactAttribute
{
    public BedFactAttribute()
    {
        if (BedRequirements.Missing() is { } reason)
        {
            Skip = reason;
        }
    }
}

/// <summary>The theory form of <see cref="BedFactAttribute"/>.</summary>
public sealed class BedTheoryAttribute : TheoryAttribute
{
    public BedTheoryAttribute()
    {
        if (BedRequirements.Missing() is { } reason)
        {
            Skip = reason;
        }
    }
}

internal static class BedRequirements
{
    public const string NeedsRoot = "the network test bed needs root (network namespaces, veth, tc): run the tests as root";

    private static readonly Lazy<string?> s_missing = new(Find);

    /// <summary>Why a bed cannot be built here, or null when it can.</summary>
    public static string? Missing() => s_missing.Value;

    private static string? Find()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "the network test bed needs Linux (network namespaces, veth, tc)";
        }

        if (EffectiveUserId() != 0)
        {
            return NeedsRoot;
        }

        string[] missing = new[] { "ip", "tc", "bash" }.Where(tool => FindTool(tool) is null).ToArray();
        return missing.Length == 0
            ? null
            : $"the network test bed needs {string.Join(" and ", missing)} (iproute2, bash) on the PATH or in /usr/sbin";
    }

    /// <summary>The effective user id, from /proc/self/status ("Uid: real effective saved filesystem").</summary>
    private static int EffectiveUserId()
    {
        foreach (string line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("Uid:", StringComparison.Ordinal))
            {
                string[] fields = line["Uid:".Length..].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
                return int.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        return Environment.UserName == "root" ? 0 : -1;
    }

    public static string? FindTool(string name)
    {
        IEnumerable<string> folders = (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Concat(["/usr/sbin", "/sbin", "/usr/bin", "/bin"]);
        return folders.Select(folder => Path.Combine(folder, name)).FirstOrDefault(File.Exists);
    }
}
