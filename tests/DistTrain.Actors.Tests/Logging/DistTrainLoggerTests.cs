using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Event;
using DistTrain.Actors.Logging;
using Xunit;

namespace DistTrain.Actors.Tests.Logging;

/// <summary>
/// The logger in an actor system configured by <see cref="LogOptions"/>: what the console gets
/// (one line, full with verbose, errors only when quiet) and what the log file gets (everything in
/// full). Each test logs a last event and waits for it: events reach the logger in order, so every
/// earlier one has been written by then.
/// </summary>
public sealed class DistTrainLoggerTests : IDisposable
{
    private static readonly TimeSpan s_patience = TimeSpan.FromSeconds(30);
    private readonly string _folder = Directory.CreateTempSubdirectory("disttrain-log-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task Console_ErrorWithAStack_OneLineWithoutVerbose()
    {
        var console = new RecordedLines();
        await LogAsync(new LogOptions(), console, system => system.Log.Error(Thrown(), "Shard 3 failed"));

        string line = Assert.Single(console.Lines, l => l.Contains("Shard 3 failed", StringComparison.Ordinal));
        Assert.EndsWith("Shard 3 failed (InvalidOperationException: step 7 has no aggregate)", line);
        Assert.DoesNotContain(console.Lines, l => l.Contains(nameof(Thrown), StringComparison.Ordinal));
    }

    [Fact]
    public async Task Console_ErrorWithAStack_InFullWithVerbose()
    {
        var console = new RecordedLines();
        await LogAsync(new LogOptions { Verbose = true }, console, system => system.Log.Error(Thrown(), "Shard 3 failed"));

        string entry = Assert.Single(console.Lines, l => l.Contains("Shard 3 failed", StringComparison.Ordinal));
        Assert.Contains("System.InvalidOperationException: step 7 has no aggregate", entry);
        Assert.Contains(nameof(Thrown), entry);
    }

    [Fact]
    public async Task File_WhateverTheConsoleShows_GetsEveryEventInFull()
    {
        string file = Path.Combine(_folder, "node.log");
        var console = new RecordedLines();
        await LogAsync(new LogOptions { Quiet = true, FilePath = file }, console, system =>
        {
            system.Log.Warning("Node 10.0.0.3 is unreachable");
            system.Log.Error(Thrown(), "Shard 3 failed");
        });

        string log = await File.ReadAllTextAsync(file);
        Assert.Contains("WARNING [", log);
        Assert.Contains("Node 10.0.0.3 is unreachable", log);
        Assert.Contains("System.InvalidOperationException: step 7 has no aggregate", log);
        Assert.Contains(nameof(Thrown), log);
        Assert.DoesNotContain(console.Lines, l => l.Contains("unreachable", StringComparison.Ordinal));
        Assert.Single(console.Lines, l => l.Contains("Shard 3 failed", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("LOUD", "Level", "log level 'LOUD' is unknown")]
    [InlineData("WARNING", "FilePath", "the folder")]
    public void Validate_BadLevelOrFileFolder_NamesTheSetting(string level, string parameter, string expected)
    {
        var options = new LogOptions { Level = level, FilePath = Path.Combine(_folder, "absent", "node.log") };

        var exception = Assert.Throws<ArgumentException>(options.Validate);

        Assert.Equal(parameter, exception.ParamName);
        Assert.Contains(expected, exception.Message);
    }

    /// <summary>Runs <paramref name="log"/> in a system with these options, then logs a last error and waits until the console or file shows it.</summary>
    private static async Task LogAsync(LogOptions options, RecordedLines console, Action<ActorSystem> log)
    {
        options.Validate();
        var bootstrap = BootstrapSetup.Create().WithConfig(options.ToConfig());
        ActorSystem system = ActorSystem.Create("log-test", ActorSystemSetup.Create(bootstrap, new LogConsoleSetup(console)));
        try
        {
            log(system);
            system.Log.Error("last event");
            await console.WaitForAsync(lines => lines.Any(l => l.Contains("last event", StringComparison.Ordinal)), s_patience);
        }
        finally
        {
            await system.Terminate();
        }
    }

    private static InvalidOperationException Thrown()
    {
        try
        {
            throw new InvalidOperationException("step 7 has no aggregate");
        }
        catch (InvalidOperationException e)
        {
            return e;
        }
    }
}
