using Akka.Event;
using DistTrain.Actors.Logging;
using Xunit;

namespace DistTrain.Actors.Tests.Logging;

/// <summary>An Akka event as one line (no stack, whatever the event carries) and in full (the stack kept).</summary>
public sealed class LogLineFormatTests
{
    [Fact]
    public void OneLine_ErrorWithAThrownException_OneLineWithTheTypeAndMessageAndNoStack()
    {
        var error = new Error(Thrown(), "akka.tcp://disttrain@10.0.0.1:4053/system/endpointManager", typeof(LogLineFormatTests), "Association failed");

        string line = LogLineFormat.OneLine(error);

        Assert.DoesNotContain('\n', line);
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z ERROR \[akka\.tcp://disttrain@10\.0\.0\.1:4053/system/endpointManager\] ", line);
        Assert.EndsWith("Association failed (InvalidOperationException: connection refused by 10.0.0.2; caused by TimeoutException: no answer)", line);
        Assert.DoesNotContain(nameof(Thrown), line);
    }

    [Fact]
    public void Full_ErrorWithAThrownException_KeepsTheStack()
    {
        var error = new Error(Thrown(), "source", typeof(LogLineFormatTests), "Association failed");

        string full = LogLineFormat.Full(error);

        Assert.Contains("ERROR [source] Association failed" + Environment.NewLine + "System.InvalidOperationException: connection refused", full);
        Assert.Contains(nameof(Thrown), full);
        Assert.Contains(" at ", full);
    }

    [Fact]
    public void OneLine_MessageThatQuotesItsExceptionAndCarriesAStack_FoldsItWithoutTheFrames()
    {
        Exception cause = Thrown();
        var warning = new Warning(cause, "source", typeof(LogLineFormatTests), $"Tensor channel failed: {cause.Message}\n{cause.StackTrace}\n--- End of stack trace ---\nretrying");

        string line = LogLineFormat.OneLine(warning);

        Assert.EndsWith("WARNING [source] Tensor channel failed: connection refused by 10.0.0.2 retrying (InvalidOperationException; caused by TimeoutException: no answer)", line);
    }

    [Fact]
    public void OneLine_NoException_TheMessageAlone()
    {
        string line = LogLineFormat.OneLine(new Info("cluster", typeof(LogLineFormatTests), "Member is Up"));

        Assert.EndsWith(" INFO [cluster] Member is Up", line);
    }

    private static InvalidOperationException Thrown()
    {
        try
        {
            try
            {
                throw new TimeoutException("no answer");
            }
            catch (TimeoutException inner)
            {
                throw new InvalidOperationException("connection refused by 10.0.0.2", inner);
            }
        }
        catch (InvalidOperationException e)
        {
            return e;
        }
    }
}
