using System.Text.Json;
using Akka.Actor;
using Akka.Cluster;

namespace DistTrain.Launcher.Node;

/// <summary>
/// What a node's <c>/ready</c> endpoint reports: ready when this node is an up member of the
/// cluster (<see cref="MemberStatus.Up"/> or <see cref="MemberStatus.WeaklyUp"/>), so a worker
/// still joining, or a node leaving after the run, is not.
/// </summary>
/// <param name="Ready">Whether the node is an up member.</param>
/// <param name="Member">Its member status as Akka names it, or <c>Starting</c> before its actor system is up.</param>
/// <param name="Address">The node's cluster address; null while starting.</param>
/// <param name="Roles">Its cluster roles.</param>
internal sealed record NodeHealth(bool Ready, string Member, string? Address, IReadOnlyList<string> Roles)
{
    private static readonly JsonSerializerOptions s_json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    /// <summary>Before the node's actor system exists: alive, not ready.</summary>
    public static NodeHealth Starting { get; } = new(false, "Starting", null, []);

    /// <summary>The health of the node whose actor system is <paramref name="system"/>, as its cluster sees it now.</summary>
    public static NodeHealth Of(ActorSystem system)
    {
        if (system.WhenTerminated.IsCompleted)
        {
            return new NodeHealth(false, nameof(MemberStatus.Removed), null, []);
        }

        Member self = Cluster.Get(system).SelfMember;
        bool ready = self.Status is MemberStatus.Up or MemberStatus.WeaklyUp;
        return new NodeHealth(ready, self.Status.ToString(), self.Address.ToString(), [.. self.Roles.Order(StringComparer.Ordinal)]);
    }

    public string ToJson() => JsonSerializer.Serialize(this, s_json);

    /// <summary>Reads what <see cref="ToJson"/> wrote; null when <paramref name="json"/> is not such a document.</summary>
    public static NodeHealth? FromJson(string json)
    {
        try
        {
            return JsonSerializer.Deserialize<NodeHealth>(json, s_json) is { Member: not null, Roles: not null } health ? health : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
