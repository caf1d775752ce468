using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using Xunit;

namespace DistTrain.Launcher.Tests.Dashboard;

/// <summary>The dashboard's endpoints while a real run goes on in this process: <c>/metrics</c>, <c>/events</c>, <c>/</c> and <c>/state</c>.</summary>
public sealed partial class DashboardEndpointTests
{
    /// <summary>A small model on synthetic data, long enough that a test always ends it, never the run itself.</summary>
    private static readonly string[] s_train = ["train", "--data", "synthetic", "--hidden", "64", "--workers", "2", "--epochs", "1000", "--dashboard", "127.0.0.1:0"];

    private static readonly HttpClient s_http = new() { Timeout = TimeSpan.FromSeconds(30) };

    [Fact]
    public async Task Metrics_DuringARun_ParseAsPrometheusTextAndCountersRise()
    {
        await using LiveLauncherRun run = await LiveLauncherRun.StartAsync(s_train);
        var metrics = new Uri(run.Url, "metrics");

        PrometheusText first = await Eventually.ValueAsync(
            () => ScrapeAsync(metrics), text => text.Types.ContainsKey("disttrain_step_seconds") && text.Find("disttrain_steps_total") > 0,
            "a scrape with steps and step times");
        PrometheusText later = await Eventually.ValueAsync(
            () => ScrapeAsync(metrics), text => text.Value("disttrain_steps_total") > first.Value("disttrain_steps_total"), "steps_total rising");

        foreach (string family in new[] { "disttrain_steps_total", "disttrain_samples_total", "disttrain_train_loss", "disttrain_test_accuracy", "disttrain_workers" })
        {
            Assert.True(later.Types.ContainsKey(family), $"{family} is missing");
        }

        Assert.Equal("histogram", later.Types["disttrain_step_seconds"]);
        Assert.True(later.Value("disttrain_samples_total") > first.Value("disttrain_samples_total"));
        Assert.Equal(128 * later.Value("disttrain_steps_total"), later.Value("disttrain_samples_total"));
        Assert.Equal(2, later.Value("disttrain_workers"));
        foreach (string phase in new[] { "compute", "transfer", "wait" })
        {
            Assert.True(later.Value("disttrain_step_seconds_count", ("phase", phase)) > 0, $"no {phase} step times");
        }
    }

    [Fact]
    public async Task Events_DuringARun_StreamDataLinesOfJsonAsTheRunGoesOn()
    {
        await using LiveLauncherRun run = await LiveLauncherRun.StartAsync(s_train);
        using HttpResponseMessage response = await s_http.GetAsync(new Uri(run.Url, "events"), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());

        var steps = new List<long>();
        while (steps.Count < 2 || steps[^1] <= steps[0])
        {
            string line = await reader.ReadLineAsync().WaitAsync(TimeSpan.FromMinutes(2)) ?? throw new EndOfStreamException("/events ended during the run");
            if (line.Length == 0)
            {
                continue;
            }

            Assert.StartsWith("data: ", line);
            JsonElement update = JsonDocument.Parse(line["data: ".Length..]).RootElement;
            Assert.Contains(update.GetProperty("status").GetString(), new[] { "starting", "running" });
            steps.Add(update.GetProperty("step").GetInt64());
        }

        Assert.True(steps.Zip(steps.Skip(1)).All(pair => pair.First <= pair.Second), $"steps went back: {string.Join(", ", steps)}");
    }

    [Fact]
    public async Task Page_EveryAssetEmbedded_NothingFromElsewhere()
    {
        await using LiveLauncherRun run = await LiveLauncherRun.StartAsync(s_train);
        string html = await s_http.GetStringAsync(run.Url);

        string[] references = [.. Reference().Matches(html).Select(match => match.Groups[1].Value)];
        Assert.Equal(["dashboard.css", "dashboard.js"], references.Order());
        foreach (string asset in references)
        {
            using HttpResponseMessage response = await s_http.GetAsync(new Uri(run.Url, asset));
            response.EnsureSuccessStatusCode();
            string text = await response.Content.ReadAsStringAsync();
            Assert.DoesNotContain("url(", text);
            Assert.DoesNotContain("import ", text);
            Assert.DoesNotContain("https://", text);
        }
    }

    [Fact]
    public async Task State_DuringATrainRun_OneMemberWithEveryRole()
    {
        await using LiveLauncherRun run = await LiveLauncherRun.StartAsync(s_train);
        JsonElement state = await Eventually.ValueAsync(
            () => StateAsync(run.Url), update => update.GetProperty("workers").GetArrayLength() == 2, "both workers sampled");

        JsonElement member = Assert.Single(state.GetProperty("members").EnumerateArray());
        Assert.Equal(["coordinator", "parameter-server", "worker"], member.GetProperty("roles").EnumerateArray().Select(role => role.GetString()));
        Assert.Equal("up", member.GetProperty("state").GetString());
        Assert.EndsWith("(this process)", member.GetProperty("address").GetString());
    }

    [Fact]
    public async Task State_OnACoordinatorNode_TheClusterMember()
    {
        await using LiveLauncherRun run = await LiveLauncherRun.StartAsync(
            "node", "--port", "0", "--data", "synthetic", "--hidden", "64", "--workers", "2", "--ps-shards", "2", "--epochs", "1000",
            "--dashboard", "127.0.0.1:0");
        JsonElement state = await Eventually.ValueAsync(
            () => StateAsync(run.Url), update => update.GetProperty("workers").GetArrayLength() == 2, "both workers sampled");

        JsonElement member = Assert.Single(state.GetProperty("members").EnumerateArray());
        Assert.StartsWith("akka.tcp://disttrain@127.0.0.1:", member.GetProperty("address").GetString());
        Assert.Equal(["coordinator", "parameter-server", "worker"], member.GetProperty("roles").EnumerateArray().Select(role => role.GetString()));
        Assert.Equal("up", member.GetProperty("state").GetString());
    }

    [Fact]
    public async Task State_AfterTheRun_CompletedWithStalenessWhileItLingers()
    {
        await using LiveLauncherRun run = await LiveLauncherRun.StartAsync(
            "train", "--data", "synthetic", "--hidden", "16", "--workers", "2", "--max-steps", "20", "--dashboard", "127.0.0.1:0", "--dashboard-linger", "600");
        JsonElement state = await Eventually.ValueAsync(
            () => StateAsync(run.Url), update => update.GetProperty("status").GetString() == "completed", "the run completing");

        Assert.Equal(20, state.GetProperty("step").GetInt64());
        long[] staleness = [.. state.GetProperty("staleness").EnumerateArray().Select(count => count.GetInt64())];
        Assert.True(staleness.Length > 0 && staleness[0] > 0, "a sync run's contributions are all at staleness 0");
        Assert.All(staleness.Skip(1), count => Assert.Equal(0, count));
        Assert.False(run.Exit.IsCompleted, "the launcher returned instead of lingering");

        await run.DisposeAsync();
        Assert.Equal(Launcher.Succeeded, await run.Exit);
    }

    [Fact]
    public void Train_DashboardPortInUse_OneLineNamingTheOption()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        int port = ((IPEndPoint)taken.LocalEndpoint).Port;

        LauncherRun run = LauncherRun.Of("train", "--data", "synthetic", "--hidden", "16", "--max-steps", "1", "--dashboard", $"127.0.0.1:{port}");

        Assert.Equal(Launcher.Failed, run.ExitCode);
        string line = Assert.Single(run.ErrorLines);
        Assert.StartsWith($"disttrain: error: --dashboard cannot listen on 127.0.0.1:{port}", line);
        Assert.DoesNotContain("epoch", run.Output);
    }

    private static async Task<PrometheusText> ScrapeAsync(Uri metrics)
    {
        using HttpResponseMessage response = await s_http.GetAsync(metrics);
        response.EnsureSuccessStatusCode();
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        return PrometheusText.Parse(await response.Content.ReadAsStringAsync());
    }

    private static async Task<JsonElement> StateAsync(Uri url) => JsonDocument.Parse(await s_http.GetStringAsync(new Uri(url, "state"))).RootElement;

    [GeneratedRegex(@"(?:src|href)=""([^""]*)""")]
    private static partial Regex Reference();
}
