using System.Buffers;
using System.Diagnostics;
using System.Runtime.InteropServices;
using Akka.Actor;
using DistTrain.Protocol;
using DistTrain.Protocol.Serialization;

namespace DistTrain.Benchmarks;

/// <summary>
/// GB/s of a serializer round trip (serialize, then deserialize and release) of one
/// <c>PushGradients</c> carrying a 2 MiB gradient, the message a worker sends each step, in two
/// ways: into a reused buffer writer and back from its memory (what the tensor channel does), and
/// through Akka's <c>ToBinary</c>/<c>FromBinary</c>, which allocate a new byte array each time
/// (what Akka.Remote does), beside the two plain block copies that any round trip pays (the
/// ceiling); and the same gradient sparsified as <c>--compress topk:0.01 --wire bf16</c> sends it
/// (1 % of the entries nonzero, each with its index), into the reused buffer writer and back,
/// expanded to its dense length. GB is 10^9 bytes of the dense tensor per round trip.
/// usage: <c>serializer [round-trips]</c>.
/// </summary>
internal static class SerializerThroughput
{
    private const int TensorFloats = 512 * 1024;

    public static void Run(string[] args)
    {
        int roundTrips = args.Length > 0 ? int.Parse(args[0]) : 2000;
        using ActorSystem system = ActorSystem.Create("serializer-benchmark", DistTrainSerialization.Config);
        var serializer = (DistTrainMessageSerializer)system.Serialization.FindSerializerForType(typeof(IDistTrainMessage));
        var values = new float[TensorFloats];
        new Random(1).NextBytes(MemoryMarshal.AsBytes(values.AsSpan()));
        var push = new PushGradients(
            Guid.NewGuid(), 0, 12, 1, 1, 2, 1, 12, 64, 128, WirePrecision.Fp32, false, new ParameterRange(0, TensorFloats), new TensorBuffer(values, TensorFloats));
        string manifest = serializer.Manifest(push);
        var output = new ArrayBufferWriter<byte>(TensorFloats * sizeof(float) + 1024);

        void BufferWriter()
        {
            output.ResetWrittenCount();
            serializer.Serialize(push, output);
            ((PushGradients)serializer.Deserialize(output.WrittenMemory, manifest)).Gradient.Release();
        }

        // The floor any round trip pays: the two block copies of the payload, to the wire and back.
        byte[] wire = new byte[TensorFloats * sizeof(float)];
        var received = new float[TensorFloats];
        void TwoCopies()
        {
            MemoryMarshal.AsBytes(values.AsSpan()).CopyTo(wire);
            wire.AsSpan().CopyTo(MemoryMarshal.AsBytes(received.AsSpan()));
        }

        var sparseValues = new float[TensorFloats];
        var random = new Random(2);
        for (int i = 0; i < TensorFloats / 100; i++)
        {
            sparseValues[random.Next(TensorFloats)] = random.NextSingle() - 0.5f;
        }

        PushGradients sparsePush = push with
        {
            Precision = WirePrecision.Bf16, Sparse = true, Gradient = new TensorBuffer(sparseValues, TensorFloats),
        };
        void SparseBufferWriter()
        {
            output.ResetWrittenCount();
            serializer.Serialize(sparsePush, output);
            ((PushGradients)serializer.Deserialize(output.WrittenMemory, manifest)).Gradient.Release();
        }

        void AkkaBinary() =>
            ((PushGradients)serializer.FromBinary(serializer.ToBinary(push), manifest)).Gradient.Release();

        Console.WriteLine($"PushGradients with {TensorFloats * sizeof(float)} bytes of floats, {roundTrips} round trips");
        Console.WriteLine($"{"path",-14} {"GB/s",8}");
        foreach ((string name, Action roundTrip) in new[] { ("two-copies", (Action)TwoCopies), ("buffer-writer", BufferWriter), ("to-binary", AkkaBinary), ("sparse-1%", SparseBufferWriter) })
        {
            // A second of warm-up, so that tiered compilation has replaced every method on the path.
            for (var warmUp = Stopwatch.StartNew(); warmUp.Elapsed < TimeSpan.FromSeconds(1);)
            {
                roundTrip();
            }

            var clock = Stopwatch.StartNew();
            for (int r = 0; r < roundTrips; r++)
            {
                roundTrip();
            }

            double seconds = clock.Elapsed.TotalSeconds;
            Console.WriteLine($"{name,-14} {(double)roundTrips * TensorFloats * sizeof(float) / seconds / 1e9,8:F2}");
        }
    }
}
