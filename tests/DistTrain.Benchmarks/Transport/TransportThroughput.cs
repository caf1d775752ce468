using System.Diagnostics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Configuration;
using DistTrain.Protocol;
using DistTrain.Protocol.Serialization;
using DistTrain.Protocol.Transport;

namespace DistTrain.Benchmarks.Transport;

/// <summary>
/// MB/s of 2 MiB tensors between two actor systems joined by Akka.Remote on loopback in this
/// process, one way (answered by a small ack) and each way (answered by a tensor of the same
/// size), for each path a tensor can take between nodes:
/// <list type="bullet">
/// <item><c>whole</c>: one PushGradients per Akka.Remote message, frame size raised to 4 MiB;</item>
/// <item><c>chunked</c>: the serialized message as 64 KiB Akka.Remote messages, 8 unacknowledged;</item>
/// <item><c>channel</c>: <see cref="TensorTransport"/>, a direct TCP channel with 64 KiB chunks;</item>
/// <item><c>channel-tls</c>: the same channel with TLS (one self-signed certificate on both nodes).</item>
/// </list>
/// usage: <c>transport [messages] [paths...]</c>; MB is 10^6 bytes of tensor payload.
/// </summary>
internal static class TransportThroughput
{
    private const int TensorFloats = 512 * 1024;
    private const int Window = 4;

    private static readonly Config s_nodeConfig = ConfigurationFactory.ParseString(
        """
        akka.actor.provider = remote
        akka.loglevel = WARNING
        akka.remote.dot-netty.tcp {
          hostname = "127.0.0.1"
          port = 0
          maximum-frame-size = 4 MiB
          send-buffer-size = 4 MiB
          receive-buffer-size = 4 MiB
        }
        """).WithFallback(DistTrainSerialization.Config);

    public static void Run(string[] args)
    {
        int messages = args.Length > 0 ? int.Parse(args[0]) : 200;
        string[] paths = args.Length > 1 ? args[1..] : ["whole", "chunked", "channel", "channel-tls"];
        Console.WriteLine($"tensor {TensorFloats * sizeof(float)} bytes, {messages} messages, window {Window}");
        Console.WriteLine($"{"path",-14} {"one-way MB/s",14} {"each-way MB/s",14}");
        foreach (string path in paths)
        {
            double oneWay = Measure(path, messages, answered: false);
            double eachWay = Measure(path, messages, answered: true);
            Console.WriteLine($"{path,-14} {oneWay,14:F0} {eachWay,14:F0}");
        }
    }

    private static double Measure(string path, int messages, bool answered)
    {
        ActorSystemSetup setup = ActorSystemSetup.Create(BootstrapSetup.Create().WithConfig(s_nodeConfig));
        if (path == "channel-tls")
        {
            setup = setup.And(new TensorTransportSetup(new TensorTransportSettings { Certificate = SelfSignedCertificate() }));
        }

        ActorSystem near = ActorSystem.Create("near", setup);
        ActorSystem far = ActorSystem.Create("far", setup);
        try
        {
            var tensor = new float[TensorFloats];
            new Random(7).NextBytes(System.Runtime.InteropServices.MemoryMarshal.AsBytes(tensor.AsSpan()));
            (TensorSend nearSend, TensorSend farSend, Action<IActorRef, IActorRef> connect) = Paths(path, near, far);
            IActorRef echo = far.ActorOf(Props.Create(() => new TensorEchoActor(farSend, answered ? tensor : null)), "echo");
            IActorRef echoFromNear = Resolve(near, far, echo);
            RunPump(near, echoFromNear, nearSend, tensor, messages: 10, connect);
            var watch = Stopwatch.StartNew();
            RunPump(near, echoFromNear, nearSend, tensor, messages, connect);
            return messages * (double)TensorFloats * sizeof(float) / watch.Elapsed.TotalSeconds / 1e6;
        }
        finally
        {
            Task.WhenAll(near.Terminate(), far.Terminate()).GetAwaiter().GetResult();
        }
    }

    private static void RunPump(
        ActorSystem near, IActorRef echo, TensorSend send, float[] tensor, int messages, Action<IActorRef, IActorRef> connect)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        IActorRef pump = near.ActorOf(Props.Create(() => new TensorPumpActor(echo, send, tensor, messages, Window, done)));
        connect(pump, echo);
        pump.Tell(0);
        done.Task.WaitAsync(TimeSpan.FromMinutes(5)).GetAwaiter().GetResult();
        near.Stop(pump);
    }

    // Each path: how the near and far ends send, and what must be wired once the pump exists.
    private static (TensorSend Near, TensorSend Far, Action<IActorRef, IActorRef> Connect) Paths(
        string path, ActorSystem near, ActorSystem far)
    {
        switch (path)
        {
            case "whole":
                return (Tell, Tell, (_, _) => { });
            case "chunked":
                var serializer = (DistTrainMessageSerializer)near.Serialization.FindSerializerForType(typeof(PushGradients));
                Props link = Props.Create(() => new ChunkedLinkActor(serializer, 64 * 1024, 8));
                IActorRef nearLink = near.ActorOf(link, "link");
                IActorRef farLink = far.ActorOf(link, "link");
                return (
                    (_, message, _) => nearLink.Tell(new ChunkedLinkActor.Outgoing(message)),
                    (_, message, _) => farLink.Tell(new ChunkedLinkActor.Outgoing(message)),
                    (pump, echo) =>
                    {
                        nearLink.Tell(new ChunkedLinkActor.Connect(Resolve(near, far, farLink), pump));
                        farLink.Tell(new ChunkedLinkActor.Connect(Resolve(far, near, nearLink), echo));
                    });
            case "channel" or "channel-tls":
                return (TensorTransport.For(near).Send, TensorTransport.For(far).Send, (_, _) => { });
            default:
                throw new ArgumentException($"Unknown transport path '{path}'; known: whole, chunked, channel, channel-tls.");
        }
    }

    private static X509Certificate2 SelfSignedCertificate()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=disttrain-benchmark", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using X509Certificate2 certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
    }

    private static void Tell(IActorRef target, IDistTrainMessage message, IActorRef sender) => target.Tell(message, sender);

    // A reference on `from` to `actor` of `owner` (a remote reference when the systems differ).
    private static IActorRef Resolve(ActorSystem from, ActorSystem owner, IActorRef actor)
    {
        Address address = ((ExtendedActorSystem)owner).Provider.DefaultAddress;
        return ((ExtendedActorSystem)from).Provider.ResolveActorRef(actor.Path.ToStringWithAddress(address));
    }
}
