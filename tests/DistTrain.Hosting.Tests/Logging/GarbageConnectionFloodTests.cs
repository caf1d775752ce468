using System.Net.Sockets;
using System.Text.RegularExpressions;
using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Configuration;
using Akka.Event;
using DistTrain.Actors.Logging;
using DistTrain.Actors.Tests.Logging;
using DistTrain.Protocol.Transport;
using Xunit;

namespace DistTrain.Hosting.Tests.Logging;

/// <summary>
/// A node's tensor channel flooded with connections that are not the channel's (an HTTP request,
/// the start of a TLS handshake, a header of zeros), as a port scanner or a misdirected client
/// sends them: each is one warning line naming the peer, but a flood writes a bounded number of
/// lines, and every connection is still counted. The node runs with its real configuration
/// (<see cref="NodeConfiguration"/>) and its logger's console is recorded.
/// </summary>
public sealed partial class GarbageConnectionFloodTests : IDisposable
{
    private const int Connections = 200;
    private const int LinesPerInterval = 5;
    private static readonly TimeSpan s_patience = TimeSpan.FromSeconds(60);
    private readonly string _folder = Directory.CreateTempSubdirectory("disttrain-flood-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task Flood_WithinOneInterval_WritesTheAllowanceOfOneLineWarningsOnConsoleAndFile()
    {
        string file = Path.Combine(_folder, "node.log");
        var console = new RecordedLines();
        ActorSystem node = StartNode(console, TimeSpan.FromHours(1), file);
        try
        {
            await FloodAsync(node);
            // Every connection was logged before the node closed it; this event queues behind them all.
            node.Log.Warning("flood over");
            await console.WaitForAsync(lines => lines.Any(l => l.Contains("flood over", StringComparison.Ordinal)), s_patience);
        }
        finally
        {
            await node.Terminate();
        }

        string[] warnings = console.Lines.Where(l => l.Contains("Tensor channel", StringComparison.Ordinal)).ToArray();
        Assert.Equal(LinesPerInterval, warnings.Length);
        Assert.All(warnings, line =>
        {
            Assert.Contains(" WARNING [", line);
            Assert.Matches(@"Tensor channel from 127\.0\.0\.1:\d+ is malformed and was closed: ", line);
            Assert.DoesNotContain('\n', line);
        });
        string[] fileWarnings = File.ReadLines(file).Where(l => l.Contains("is malformed", StringComparison.Ordinal)).ToArray();
        Assert.Equal(LinesPerInterval, fileWarnings.Length);
    }

    [Fact]
    public async Task Flood_OverShortIntervals_EveryConnectionIsALineOrCountedInASummary()
    {
        var console = new RecordedLines();
        TimeSpan interval = TimeSpan.FromSeconds(1);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        ActorSystem node = StartNode(console, interval, logFile: null);
        try
        {
            await FloodAsync(node);
            await console.WaitForAsync(lines => Accounted(lines) >= Connections, s_patience);
        }
        finally
        {
            await node.Terminate();
        }

        // The bound: each interval the node was up opens at most one window, of the allowance and one summary.
        double windows = Math.Ceiling(clock.Elapsed / interval) + 1;
        string[] lines = console.Lines.Where(l => l.Contains("Tensor channel", StringComparison.Ordinal)).ToArray();
        Assert.Equal(Connections, Accounted(lines));
        Assert.Contains(lines, line => Summary().IsMatch(line));
        Assert.InRange(lines.Length, 1, (LinesPerInterval + 1) * windows);
    }

    /// <summary>Connections the lines stand for: one per warning, and each summary's count.</summary>
    private static int Accounted(IEnumerable<string> lines) => lines.Sum(line =>
        Summary().Match(line) is { Success: true } summary ? int.Parse(summary.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)
        : line.Contains("is malformed and was closed", StringComparison.Ordinal) ? 1
        : 0);

    [GeneratedRegex(@"Tensor channel: \.\.\. and (\d+) more malformed connections in the last \d+ s")]
    private static partial Regex Summary();

    private static ActorSystem StartNode(RecordedLines console, TimeSpan interval, string? logFile)
    {
        var options = new DistTrainNodeOptions { Port = 0, Roles = [NodeRoles.Worker], LogFile = logFile };
        Config extra = ConfigurationFactory.ParseString(
            $"disttrain.tensor-transport {{ peer-fault-lines = {LinesPerInterval}, peer-fault-interval = {interval.TotalSeconds}s }}");
        ActorSystemSetup setup = NodeConfiguration.Setup(options, extra).And(new LogConsoleSetup(console));
        ActorSystem node = ActorSystem.Create(DistTrainNodeOptions.SystemName, setup);
        TensorTransport.For(node);
        return node;
    }

    /// <summary>Opens <see cref="Connections"/> connections one after another, each sending garbage, and waits until the node has closed each.</summary>
    private static async Task FloodAsync(ActorSystem node)
    {
        int port = TensorTransport.For(node).Port!.Value;
        byte[][] garbage =
        [
            "GET / HTTP/1.1\r\nHost: node\r\n\r\n"u8.ToArray(),
            [0x16, 0x03, 0x01, 0x00, 0xA5],
            new byte[ChunkHeader.Size],
        ];
        byte[] reply = new byte[64];
        for (int i = 0; i < Connections; i++)
        {
            using var client = new TcpClient();
            await client.ConnectAsync("127.0.0.1", port);
            NetworkStream stream = client.GetStream();
            await stream.WriteAsync(garbage[i % garbage.Length]);
            client.Client.Shutdown(SocketShutdown.Send);
            try
            {
                while (await stream.ReadAsync(reply).AsTask().WaitAsync(s_patience) > 0)
                {
                }
            }
            catch (IOException)
            {
                // Reset by the node: closed as well.
            }
        }
    }
}
