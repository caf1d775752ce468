using Akka.Actor;
using Akka.Configuration;
using Akka.Event;
using DistTrain.Actors;
using DistTrain.Actors.ParameterServer;
using DistTrain.Hosting;
using Xunit;

namespace DistTrain.Integration.Tests;

/// <summary>
/// A node that receives bytes its DistTrain serializer cannot read (a known manifest with a
/// garbage body, an unknown manifest) logs the failure, drops the message and keeps working: a run
/// through it still completes.
/// </summary>
public sealed class MalformedInputTests
{
    private static readonly Config s_hostileConfig = ConfigurationFactory.ParseString($$"""
        akka.actor.provider = remote
        akka.remote.dot-netty.tcp { hostname = "127.0.0.1", port = 0 }
        akka.loglevel = ERROR
        akka.actor.serializers.garbage = "{{typeof(GarbageSerializer).AssemblyQualifiedName}}"
        akka.actor.serialization-bindings { "{{typeof(Garbage).AssemblyQualifiedName}}" = garbage }
        """);

    [Fact]
    public async Task GarbageUnderTheDistTrainSerializerId_IsDroppedAndTheNodeStillTrains()
    {
        await using var nodes = new ClusterTestNodes();
        var events = new RunEvents();
        DistTrainNode coordinator = await nodes.StartCoordinatorAsync(ClusterTestNodes.Run(workers: 1, steps: 20), events);
        var failures = new LogCollector(coordinator.System, "unknown manifest", "host-parameter-server.1");
        ActorSystem hostile = ActorSystem.Create("hostile", s_hostileConfig);
        try
        {
            ActorSelection host = hostile.ActorSelection(new RootActorPath(coordinator.Address) / "user" / ParameterServerHostActor.Name);
            host.Tell(new Garbage("host-parameter-server.1", [0x92, 0xC4, 0xFF, 0x01]));
            host.Tell(new Garbage("no-such-message.9", [0xC0]));
            await failures.AllSeen.WaitAsync(ClusterTestNodes.Patience);
        }
        finally
        {
            await hostile.Terminate();
        }

        await nodes.StartWorkerAsync(coordinator);
        DistTrainResult result = await coordinator.RunAsync().WaitAsync(ClusterTestNodes.Patience);
        Assert.Equal(20, result.Steps);
    }

    /// <summary>Completes <see cref="AllSeen"/> once the node has logged a warning or error containing each of the texts.</summary>
    private sealed class LogCollector
    {
        private readonly TaskCompletionSource _allSeen = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public LogCollector(ActorSystem system, params string[] texts)
        {
            var missing = new HashSet<string>(texts);
            IActorRef listener = system.ActorOf(Props.Create(() => new Listener(missing, _allSeen)));
            system.EventStream.Subscribe(listener, typeof(Warning));
            system.EventStream.Subscribe(listener, typeof(Error));
        }

        public Task AllSeen => _allSeen.Task;

        private sealed class Listener : ReceiveActor
        {
            public Listener(HashSet<string> missing, TaskCompletionSource allSeen)
            {
                Receive<LogEvent>(log =>
                {
                    string text = log.ToString() + (log is Error { Cause: { } cause } ? cause.ToString() : "");
                    missing.RemoveWhere(expected => text.Contains(expected, StringComparison.Ordinal));
                    if (missing.Count == 0)
                    {
                        allSeen.TrySetResult();
                    }
                });
            }
        }
    }
}
