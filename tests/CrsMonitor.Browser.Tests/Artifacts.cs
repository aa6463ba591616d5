using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace CrsMonitor.Browser.Tests;

/// <summary>
/// Test artifacts: PNG screenshots, traces and service logs under <c>{WorkDirectory}/artifacts/</c>, each attached to
/// the running test (TestContext.AddTestAttachment), so they appear in the test results (e.g. a TRX file).
/// </summary>
public static partial class Artifacts
{
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> Counters = new(StringComparer.Ordinal);

    public static string Directory
    {
        get
        {
            var folder = Path.Combine(TestContext.CurrentContext.WorkDirectory, "artifacts");
            System.IO.Directory.CreateDirectory(folder);
            return folder;
        }
    }

    /// <summary>A file name for the current test: {test}-{n}-{what}.{extension}.</summary>
    public static string PathFor(string what, string extension)
    {
        var test = Safe(TestContext.CurrentContext.Test.MethodName ?? TestContext.CurrentContext.Test.Name);
        var n = Counters.AddOrUpdate(test, 1, (_, last) => last + 1).ToString("00", CultureInfo.InvariantCulture);
        return Path.Combine(Directory, $"{test}-{n}-{Safe(what)}.{extension}");
    }

    /// <summary>Empties the artifacts folder (at the start of the run, so it holds this run's files only).</summary>
    public static void Clear()
    {
        var folder = Path.Combine(TestContext.CurrentContext.WorkDirectory, "artifacts");
        if (System.IO.Directory.Exists(folder))
        {
            System.IO.Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>A full-page PNG of <paramref name="page"/>, attached to the current test.</summary>
    public static async Task ScreenshotAsync(IPage page, string what)
    {
        ArgumentNullException.ThrowIfNull(page);
        var path = PathFor(what, "png");
        await page.ScreenshotAsync(new() { Path = path, FullPage = true }).ConfigureAwait(false);
        TestContext.AddTestAttachment(path, what);
    }

    /// <summary>Copies a file (a service log) into the artifacts and attaches it to the current test.</summary>
    public static void AttachCopy(string file, string what)
    {
        if (!File.Exists(file))
        {
            return;
        }

        var path = PathFor(what, Path.GetExtension(file).TrimStart('.'));
        using (var source = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
        using (var target = File.Create(path))
        {
            source.CopyTo(target);
        }

        TestContext.AddTestAttachment(path, what);
    }

    private static string Safe(string text) => Unsafe().Replace(text, "-");

    [GeneratedRegex("[^A-Za-z0-9._-]+")]
    private static partial Regex Unsafe();
}
