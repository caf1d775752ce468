using Microsoft.Playwright;
using Xunit;
using Xunit.Abstractions;

namespace DistTrain.Launcher.Tests.Dashboard;

/// <summary>
/// The dashboard page in a real browser: Playwright drives Debian's chromium (installed by
/// tests/install-test-data.sh; browsers cannot be downloaded here, so the test never asks
/// Playwright for one of its own) headless against a run in this process. It saves a screenshot
/// beside the test assembly, under artifacts/.
/// </summary>
public sealed class DashboardBrowserTests(ITestOutputHelper output)
{
    private const string Chromium = "/usr/bin/chromium";

    private static readonly string[] s_train = ["train", "--data", "synthetic", "--hidden", "64", "--workers", "2", "--epochs", "1000", "--dashboard", "127.0.0.1:0"];

    /// <summary>Long enough for a loaded CI machine; the waits end as soon as the page shows what they wait for.</summary>
    private const float WaitMilliseconds = 120_000;

    [Fact]
    public async Task Page_DuringARun_ChartsReceiveNewPointsAndTheMemberIsListed()
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: run tests/install-test-data.sh (apt-get install chromium) before the tests");
        await using LiveLauncherRun run = await LiveLauncherRun.StartAsync(s_train);
        using IPlaywright playwright = await Playwright.CreateAsync();
        await using IBrowser browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = Chromium, Headless = true });
        IPage page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1440, Height = 900 } });
        await page.GotoAsync(run.Url.ToString());

        int rate = await AtLeastAsync(page, "#rate-chart", "points", 1);
        int loss = await AtLeastAsync(page, "#loss-chart", "points", 1);
        await AtLeastAsync(page, "#rate-chart", "points", rate + 2);
        await AtLeastAsync(page, "#loss-chart", "points", loss + 2);
        int accuracy = await AtLeastAsync(page, "#accuracy-chart", "points", 1);
        await AtLeastAsync(page, "#accuracy-chart", "points", accuracy + 1);
        await AtLeastAsync(page, "#workers-chart", "bars", 2);

        Assert.Equal("running", await page.GetAttributeAsync("#status", "data-status"));
        ILocator members = page.Locator("#members tbody tr");
        Assert.Equal(1, await members.CountAsync());
        Assert.EndsWith("(this process)", await members.Locator("td.address").InnerTextAsync());
        Assert.Equal("coordinator, parameter-server, worker", await members.Locator("td.roles").InnerTextAsync());
        Assert.Equal("up", await members.Locator("td.state").InnerTextAsync());

        string screenshot = Path.Combine(AppContext.BaseDirectory, "artifacts", "dashboard.png");
        Directory.CreateDirectory(Path.GetDirectoryName(screenshot)!);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = screenshot, FullPage = true });
        output.WriteLine($"screenshot: {screenshot}");
    }

    /// <summary>Waits until the chart's data-points (or data-bars) reaches <paramref name="count"/>, and returns the count it reached.</summary>
    private static async Task<int> AtLeastAsync(IPage page, string chart, string what, int count)
    {
        await page.WaitForFunctionAsync(
            "([chart, what, count]) => Number(document.querySelector(chart).dataset[what]) >= count",
            new object[] { chart, what, count },
            new PageWaitForFunctionOptions { Timeout = WaitMilliseconds, PollingInterval = 100 });
        return int.Parse(await page.GetAttributeAsync(chart, "data-" + what) ?? "0", System.Globalization.CultureInfo.InvariantCulture);
    }
}
