using Akka.Actor;
using Akka.TestKit.Xunit2;
using DistTrain.Actors.ParameterServer;
using DistTrain.Actors.Worker;
using DistTrain.Protocol;
using Xunit;

namespace DistTrain.Actors.Tests.ParameterServer;

public class NodeReplicasTests : TestKit
{
    private static readonly Guid s_runId = Guid.NewGuid();
    private static readonly ParameterRange s_range = new(0, 257);

    [Fact]
    public void Publish_ManyVersions_TheWorkersReplicaStaysBitIdenticalToTheShardsCopyWithinOneRounding()
    {
        var replicas = new NodeReplicas(s_range);
        IActorRef worker = CreateTestProbe().Ref;
        var random = new Random(3);
        float[] parameters = Enumerable.Range(0, s_range.Length).Select(_ => random.NextSingle() - 0.5f).ToArray();
        var replica = new ParameterReplica(s_range.Length, [new ParameterShardInfo(0, s_range, ActorRefs.Nobody)]);
        (long version, TensorBuffer snapshot) = replicas.Subscribe(worker, parameters, version: 0);
        Assert.Equal(ReplicaUpdate.Applied, replica.Apply(new ParametersUpdated(s_runId, 0, version, s_range, snapshot)));
        Assert.Equal(parameters, replica.Parameters.ToArray());

        for (long v = 1; v <= 300; v++)
        {
            // An Adam-like step: small moves of varied size, so differences are rarely exact in bf16.
            for (int i = 0; i < parameters.Length; i++)
            {
                parameters[i] -= 1e-3f * (random.NextSingle() - 0.5f) * (1 + i % 7);
            }

            float[] before = replicas.Of(worker.Path.Address)!.Value.Values;
            ParametersDelta delta = Assert.Single(replicas.Publish(s_runId, 0, parameters, v)).Delta;
            Assert.Equal((v, v - 1), (delta.Version, delta.BaseVersion));
            Assert.Equal(ReplicaUpdate.Applied, replica.Apply(delta));

            float[] atShard = replicas.Of(worker.Path.Address)!.Value.Values;
            Assert.Equal(atShard, replica.Parameters.ToArray());
            for (int i = 0; i < parameters.Length; i++)
            {
                // p - r is what bf16 could not carry of this step's difference d = p - r_before (at
                // most 2^-8 |d|, half its last place) plus the float additions' rounding: nothing
                // from earlier steps accumulates.
                float difference = Math.Abs(parameters[i] - before[i]);
                float ulp = MathF.BitIncrement(Math.Abs(parameters[i])) - Math.Abs(parameters[i]);
                float gap = Math.Abs(parameters[i] - atShard[i]);
                Assert.True(gap <= (difference * MathF.Pow(2, -8)) + (2 * ulp), $"parameter {i} at version {v}: gap {gap}, difference {difference}");
            }
        }
    }

    [Fact]
    public void Subscribe_SecondWorkerOfANode_StartsFromTheNodesReplicaNotTheParameters()
    {
        var replicas = new NodeReplicas(s_range);
        IActorRef first = CreateTestProbe().Ref, second = CreateTestProbe().Ref;
        float[] parameters = Enumerable.Repeat(1f, s_range.Length).ToArray();
        replicas.Subscribe(first, parameters, version: 0).Values.Release();
        parameters.AsSpan().Fill(1.001f);
        var sends = replicas.Publish(s_runId, 0, parameters, 1);

        (long version, TensorBuffer snapshot) = replicas.Subscribe(second, parameters, version: 1);

        Assert.Equal(1, version);
        Assert.Equal(replicas.Of(first.Path.Address)!.Value.Values, snapshot.Span.ToArray());
        Assert.NotEqual(parameters, snapshot.Span.ToArray());
        Assert.Equal([first], Assert.Single(sends).Subscribers);
        Assert.Equal(1, replicas.NodeCount);
    }

    [Fact]
    public void Publish_TwoNodes_OneDeltaPerNodeForItsSubscribers()
    {
        using ActorSystem otherNode = ActorSystem.Create("other-node");
        var replicas = new NodeReplicas(s_range);
        IActorRef here = CreateTestProbe().Ref, there = otherNode.ActorOf(Props.Empty), alsoThere = otherNode.ActorOf(Props.Empty);
        float[] parameters = new float[s_range.Length];
        foreach (IActorRef subscriber in new[] { here, there, alsoThere })
        {
            replicas.Subscribe(subscriber, parameters, version: 0).Values.Release();
        }

        parameters.AsSpan().Fill(0.5f);
        var sends = replicas.Publish(s_runId, 0, parameters, 1);

        Assert.Equal([[here], [there, alsoThere]], sends.Select(send => send.Subscribers.ToArray()));
        Assert.All(sends, send => Assert.All(send.Delta.Delta.Span.ToArray(), value => Assert.Equal(0.5f, value)));
    }

    [Fact]
    public void Unsubscribe_LastWorkerOfANode_ForgetsTheNode()
    {
        var replicas = new NodeReplicas(s_range);
        IActorRef worker = CreateTestProbe().Ref;
        replicas.Subscribe(worker, new float[s_range.Length], version: 0).Values.Release();

        Assert.True(replicas.Unsubscribe(worker));
        Assert.False(replicas.Unsubscribe(worker));

        Assert.Equal(0, replicas.NodeCount);
        Assert.Empty(replicas.Publish(s_runId, 0, new float[s_range.Length], 1));
    }
}
