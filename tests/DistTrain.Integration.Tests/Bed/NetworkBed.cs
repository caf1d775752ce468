using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace DistTrain.Integration.Tests.Bed;

/// <summary>
/// A network test bed (<c>tests/netbed/netbed.sh</c>): <see cref="Count"/> network namespaces,
/// each joined to one bridge by a veth link shaped to <see cref="Rate"/> both ways, with addresses
/// in 198.18.0.0/15. Nodes started here run inside a namespace and talk to each other over the
/// shaped links. Disposing kills every process it started and removes the bed, whatever happened
/// before; creating one first removes beds left behind by test runs that died (a bed is named
/// <c>dtb{process id}</c>, so one whose process is gone is stale).
/// </summary>
internal sealed partial class NetworkBed : IAsyncDisposable
{
    /// <summary>The first part of every bed's name; what follows is the id of the process that made it.</summary>
    public const string Prefix = "dtb";

    /// <summary>The port every node listens on (each namespace has its own ports).</summary>
    public const int NodePort = 4053;

    private static readonly TimeSpan s_scriptPatience = TimeSpan.FromSeconds(60);

    private readonly List<BedProcess> _processes = [];
    private readonly Dictionary<int, string> _addresses = [];

    private NetworkBed(string name, int count, string rate)
    {
        Name = name;
        Count = count;
        Rate = rate;
    }

    public string Name { get; }

    public int Count { get; }

    /// <summary>Each link's rate, in tc's words (1gbit, 10gbit).</summary>
    public string Rate { get; }

    /// <summary>Creates a bed of <paramref name="count"/> namespaces with links of <paramref name="rate"/>, after removing stale beds.</summary>
    public static async Task<NetworkBed> CreateAsync(int count, string rate)
    {
        await RemoveStaleAsync();
        string name = Prefix + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        var bed = new NetworkBed(name, count, rate);
        try
        {
            await RunScriptAsync("up", name, count.ToString(CultureInfo.InvariantCulture), rate);
            for (int index = 1; index <= count; index++)
            {
                bed._addresses[index] = (await RunScriptAsync("address", name, index.ToString(CultureInfo.InvariantCulture))).Trim();
            }
        }
        catch
        {
            await bed.DisposeAsync();
            throw;
        }

        return bed;
    }

    /// <summary>Namespace <paramref name="index"/>'s address (1-based).</summary>
    public string AddressOf(int index) => _addresses[index];

    public string NamespaceOf(int index) => $"{Name}-{index}";

    /// <summary>Starts <c>dotnet disttrain.dll node ARGS</c> inside namespace <paramref name="index"/>.</summary>
    public BedProcess StartNode(int index, string label, params string[] args)
    {
        BedProcess process = BedProcess.Start(
            $"{label} in {NamespaceOf(index)} ({AddressOf(index)})",
            "ip",
            ["netns", "exec", NamespaceOf(index), "dotnet", BedPaths.Launcher, "node", .. args]);
        _processes.Add(process);
        return process;
    }

    /// <summary>Takes namespace <paramref name="index"/>'s link down at both ends: nothing passes until <see cref="RestoreAsync"/>.</summary>
    public Task CutAsync(int index) => RunScriptAsync("cut", Name, index.ToString(CultureInfo.InvariantCulture));

    public Task RestoreAsync(int index) => RunScriptAsync("restore", Name, index.ToString(CultureInfo.InvariantCulture));

    public async ValueTask DisposeAsync()
    {
        foreach (BedProcess process in _processes)
        {
            process.Dispose();
        }

        // down kills whatever still runs in the namespaces, and never fails for what is gone already.
        await RunScriptAsync("down", Name);
    }

    /// <summary>Removes every bed named <see cref="Prefix"/> + a process id whose process is gone (or is this one: an earlier bed of this run that was not removed).</summary>
    public static async Task RemoveStaleAsync()
    {
        foreach (string name in (await RunScriptAsync("list")).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            Match match = BedName().Match(name);
            if (match.Success && IsStale(int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture)))
            {
                await RunScriptAsync("down", name);
            }
        }
    }

    private static bool IsStale(int processId)
    {
        if (processId == Environment.ProcessId)
        {
            return true;
        }

        try
        {
            using Process process = Process.GetProcessById(processId);
            return process.HasExited;
        }
        catch (ArgumentException)
        {
            return true;
        }
    }

    /// <summary>Runs <c>bash netbed.sh ARGS</c> and returns its standard output; a non-zero exit throws with what it wrote.</summary>
    private static async Task<string> RunScriptAsync(params string[] args)
    {
        using BedProcess script = BedProcess.Start($"netbed.sh {string.Join(' ', args)}", "bash", [BedPaths.Script, .. args]);
        (int code, string output) = await script.ExitAsync(s_scriptPatience);
        return code == 0 ? output : throw new InvalidOperationException($"netbed.sh {string.Join(' ', args)} exited with code {code}:\n{output}");
    }

    [GeneratedRegex(@"^dtb([0-9]+)$")]
    private static partial Regex BedName();
}
