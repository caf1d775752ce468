using System.Threading.Channels;
using Akka.Actor;
using Akka.Configuration;
using DistTrain.Protocol.Tests.Serialization;
using DistTrain.Protocol.Transport;
using Xunit;
using System.Security.Cryptography.X509Certificates;

namespace DistTrain.Protocol.Tests.Transport;

/// <summary>
/// The tensor channel under TLS with mutual authentication: nodes that share a certificate talk,
/// a node with another certificate is refused before anything is delivered, and the certificate is
/// taken from remoting's own TLS keys.
/// </summary>
public sealed class ChannelTlsTests
{
    private static readonly TimeSpan s_patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Send_BothNodesHoldTheClusterCertificate_ArrivesBitIdentical()
    {
        X509Certificate2 certificate = TestCertificates.SelfSigned("disttrain-cluster");
        var settings = new TensorTransportSettings { Certificate = certificate };
        ActorSystem sender = TransportNode.Start("sender", settings);
        ActorSystem receiver = TransportNode.Start("receiver", settings);
        try
        {
            var received = Channel.CreateUnbounded<(object Message, IActorRef Sender)>();
            IActorRef target = receiver.ActorOf(Props.Create(() => new RecordingActor(received.Writer)), "target");
            TensorBuffer values = ProtocolSamples.Tensor(100_003, seed: 9);
            float[] expected = values.Span.ToArray();

            TensorTransport.For(sender).Send(
                TransportNode.Remote(sender, receiver, target),
                new ParametersUpdated(ProtocolSamples.RunId, 2, 5, new ParameterRange(0, 100_003), values),
                ActorRefs.NoSender);

            (object message, _) = await received.Reader.ReadAsync().AsTask().WaitAsync(s_patience);
            float[] arrived = Assert.IsType<ParametersUpdated>(message).Values.Span.ToArray();
            Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), arrived.Select(BitConverter.SingleToInt32Bits));
        }
        finally
        {
            await Task.WhenAll(sender.Terminate(), receiver.Terminate());
        }
    }

    [Fact]
    public async Task Send_PeerWithAnotherCertificate_IsRefusedAndNothingArrives()
    {
        ActorSystem sender = TransportNode.Start("sender", new TensorTransportSettings { Certificate = TestCertificates.SelfSigned("node-a") });
        ActorSystem receiver = TransportNode.Start("receiver", new TensorTransportSettings { Certificate = TestCertificates.SelfSigned("node-b") });
        try
        {
            var received = Channel.CreateUnbounded<(object Message, IActorRef Sender)>();
            IActorRef target = receiver.ActorOf(Props.Create(() => new RecordingActor(received.Writer)), "target");
            var refusedBySender = new LogWatcher(sender, "Tensor channel to");

            TensorTransport.For(sender).Send(
                TransportNode.Remote(sender, receiver, target), new PushGradientsAck(ProtocolSamples.RunId, 0, 1, 0, 2), ActorRefs.NoSender);

            string error = await refusedBySender.Logged.WaitAsync(s_patience);
            Assert.Contains("remote certificate was rejected", error);
            Assert.False(received.Reader.TryRead(out _));
        }
        finally
        {
            await Task.WhenAll(sender.Terminate(), receiver.Terminate());
        }
    }

    [Fact]
    public async Task Send_ClientWithAnotherCertificate_IsRefusedByTheListeningNode()
    {
        // The sender accepts any server certificate, so only the listening node's check can refuse it.
        ActorSystem sender = TransportNode.Start(
            "sender", new TensorTransportSettings { Certificate = TestCertificates.SelfSigned("node-a"), SuppressValidation = true });
        ActorSystem receiver = TransportNode.Start("receiver", new TensorTransportSettings { Certificate = TestCertificates.SelfSigned("node-b") });
        try
        {
            var received = Channel.CreateUnbounded<(object Message, IActorRef Sender)>();
            IActorRef target = receiver.ActorOf(Props.Create(() => new RecordingActor(received.Writer)), "target");
            var refusedByReceiver = new LogWatcher(receiver, "Tensor channel from");

            TensorTransport.For(sender).Send(
                TransportNode.Remote(sender, receiver, target), new PushGradientsAck(ProtocolSamples.RunId, 0, 1, 0, 2), ActorRefs.NoSender);

            string error = await refusedByReceiver.Logged.WaitAsync(s_patience);
            Assert.Contains("remote certificate was rejected", error);
            Assert.False(received.Reader.TryRead(out _));
        }
        finally
        {
            await Task.WhenAll(sender.Terminate(), receiver.Terminate());
        }
    }

    [Fact]
    public void FromConfig_RemotingHasSslOn_TakesRemotingsCertificateFile()
    {
        string path = Path.Combine(Path.GetTempPath(), $"disttrain-{Guid.NewGuid():N}.pfx");
        File.WriteAllBytes(path, TestCertificates.Pkcs12("disttrain-file", "secret"));
        try
        {
            Config config = ConfigurationFactory.ParseString(
                $$"""
                akka.remote.dot-netty.tcp {
                  enable-ssl = true
                  ssl {
                    suppress-validation = true
                    certificate { path = "{{path}}", password = "secret" }
                  }
                }
                """);

            TensorTransportSettings settings = TensorTransportSettings.FromConfig(config);

            Assert.NotNull(settings.Certificate);
            Assert.Equal("CN=disttrain-file", settings.Certificate.Subject);
            Assert.True(settings.Certificate.HasPrivateKey);
            Assert.True(settings.SuppressValidation);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void FromConfig_NoSection_TakesTheDefaultsWithoutTls()
    {
        TensorTransportSettings settings = TensorTransportSettings.FromConfig(ConfigurationFactory.Empty);

        Assert.Equal(new TensorTransportSettings(), settings);
    }

    [Fact]
    public void FromConfig_ChunkSizeOutOfRange_NamesTheKey()
    {
        Config config = ConfigurationFactory.ParseString("disttrain.tensor-transport.chunk-size = 100");

        ArgumentException fault = Assert.Throws<ArgumentException>(() => TensorTransportSettings.FromConfig(config));

        Assert.Contains("chunk-size 100", fault.Message);
    }
}
