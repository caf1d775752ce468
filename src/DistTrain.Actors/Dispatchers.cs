using Akka.Configuration;

namespace DistTrain.Actors;

/// <summary>
/// The dispatchers CPU-heavy actors run on. Workers and parameter-server shards each get a
/// thread of their own (a pinned dispatcher), so a gradient computation or an optimizer pass
/// never occupies the default dispatcher that remoting, heartbeats and the coordinator need.
/// </summary>
public static class Dispatchers
{
    /// <summary>Path of the dispatcher for workers and parameter-server shards.</summary>
    public const string Compute = "disttrain.compute-dispatcher";

    /// <summary>HOCON that defines <see cref="Compute"/>; merge it into every actor system's configuration.</summary>
    public static Config Configuration { get; } = ConfigurationFactory.ParseString("""
        disttrain.compute-dispatcher {
          type = PinnedDispatcher
          executor = thread-pool-executor
          thread-pool-executor.allow-core-timeout = off
        }
        """);
}
