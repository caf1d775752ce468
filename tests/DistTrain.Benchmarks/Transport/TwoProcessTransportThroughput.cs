using System.Diagnostics;
using Akka.Actor;
using Akka.Configuration;
using DistTrain.Protocol;
using DistTrain.Protocol.Serialization;
using DistTrain.Protocol.Transport;

namespace DistTrain.Benchmarks.Transport;

/// <summary>
/// <see cref="TransportThroughput"/> between two processes on loopback: this process pumps 2 MiB
/// tensors to an echo actor in a child process (<c>transport-far</c>), one way (answered by a
/// small ack) and each way (answered by a tensor of the same size), for whole messages through
/// Akka.Remote and for the tensor channel. usage: <c>transport-processes [messages]</c>.
/// </summary>
internal static class TwoProcessTransportThroughput
{
    private const int TensorFloats = 512 * 1024;
    private const int Window = 4;

    public static void Run(string[] args)
    {
        int messages = args.Length > 0 ? int.Parse(args[0]) : 200;
        Console.WriteLine($"tensor {TensorFloats * sizeof(float)} bytes, {messages} messages, window {Window}, two processes");
        Console.WriteLine($"{"path",-14} {"one-way MB/s",14} {"each-way MB/s",14}");
        foreach (string path in new[] { "whole", "channel" })
        {
            double oneWay = Measure(path, messages, answered: false);
            double eachWay = Measure(path, messages, answered: true);
            Console.WriteLine($"{path,-14} {oneWay,14:F0} {eachWay,14:F0}");
        }
    }

    /// <summary>The child process: an echo actor on <c>args[0]</c>'s port until its standard input closes.</summary>
    public static void RunFar(string[] args)
    {
        int port = int.Parse(args[0]);
        bool answered = args[1] == "answered";
        bool channel = args[2] == "channel";
        using ActorSystem far = ActorSystem.Create("far", NodeConfig(port));
        TensorSend send = channel ? TensorTransport.For(far).Send : (target, message, sender) => target.Tell(message, sender);
        var answer = new float[TensorFloats];
        far.ActorOf(Props.Create(() => new TensorEchoActor(send, answered ? answer : null)), "echo");
        Console.WriteLine("ready");
        Console.In.ReadToEnd();
        far.Terminate().Wait();
    }

    private static double Measure(string path, int messages, bool answered)
    {
        int port = Random.Shared.Next(20_000, 40_000);
        using Process far = Process.Start(new ProcessStartInfo("dotnet")
        {
            ArgumentList = { typeof(TwoProcessTransportThroughput).Assembly.Location, "transport-far", port.ToString(), answered ? "answered" : "one-way", path },
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
        })!;
        try
        {
            while (far.StandardOutput.ReadLine() is { } line && line != "ready")
            {
            }

            using ActorSystem near = ActorSystem.Create("near", NodeConfig(0));
            TensorSend send = path == "channel" ? TensorTransport.For(near).Send : (target, message, sender) => target.Tell(message, sender);
            IActorRef echo = ((ExtendedActorSystem)near).Provider.ResolveActorRef($"akka.tcp://far@127.0.0.1:{port}/user/echo");
            var tensor = new float[TensorFloats];
            new Random(7).NextBytes(System.Runtime.InteropServices.MemoryMarshal.AsBytes(tensor.AsSpan()));
            Pump(near, echo, send, tensor, messages: 10);
            var watch = Stopwatch.StartNew();
            Pump(near, echo, send, tensor, messages);
            double rate = messages * (double)TensorFloats * sizeof(float) / watch.Elapsed.TotalSeconds / 1e6;
            near.Terminate().Wait();
            return rate;
        }
        finally
        {
            far.StandardInput.Close();
            if (!far.WaitForExit(TimeSpan.FromSeconds(20)))
            {
                far.Kill(entireProcessTree: true);
            }
        }
    }

    private static void Pump(ActorSystem near, IActorRef echo, TensorSend send, float[] tensor, int messages)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        IActorRef pump = near.ActorOf(Props.Create(() => new TensorPumpActor(echo, send, tensor, messages, Window, done)));
        pump.Tell(0);
        done.Task.WaitAsync(TimeSpan.FromMinutes(5)).GetAwaiter().GetResult();
        near.Stop(pump);
    }

    private static Config NodeConfig(int port) => ConfigurationFactory.ParseString(
        $$"""
        akka.actor.provider = remote
        akka.loglevel = WARNING
        akka.remote.dot-netty.tcp {
          hostname = "127.0.0.1"
          port = {{port}}
          maximum-frame-size = 4 MiB
          send-buffer-size = 4 MiB
          receive-buffer-size = 4 MiB
        }
        """).WithFallback(DistTrainSerialization.Config);
}
