using System.Reflection;
using System.Text.Json;
using CrsMonitor.Grading;
using Microsoft.Playwright;

namespace CrsMonitor.Browser.Tests;

/// <summary>
/// Issue 11 item 5: the dashboard's one table of words (Dashboard/src/words.js) has plain nurse words (a label, what it
/// means, what to do) for every review flag and not-gradable reason the grading core defines. The constants are read by
/// reflection from <see cref="GradeFlags"/> and <see cref="NotGradableReasons"/>, so a flag added to the core without
/// words fails here. words.js is loaded on its own, as an ES module, in Chromium: the table the page bundles.
/// </summary>
[TestFixture]
public sealed class GradingWordsTests
{
    /// <summary>The words issue 11 adds (ICANS-SCALE, CRS-AFEBRILE, ICANS-MISSING), required before their constants exist.</summary>
    private static readonly string[] NewFlags = ["scale-age-mismatch", "scales-disagree", "afebrile-support"];

    private static readonly string[] NewReasons = ["ice-missing", "capd-missing"];

    private IPlaywright? playwright;
    private IBrowser? browser;
    private IPage? page;

    private static string WordsFile => Path.Combine(ServiceProcess.ProjectDirectory, "Dashboard", "src", "words.js");

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        (playwright, browser) = await Chromium.LaunchAsync();
        page = await browser.NewPageAsync();
        var source = await File.ReadAllTextAsync(WordsFile);

        // The module from its source text (a blob URL on about:blank): the words and the functions, as the page imports them.
        await page.EvaluateAsync("""
            async (source) => {
              const url = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
              window.words = await import(url);
            }
            """, source);
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        if (browser is not null)
        {
            await browser.CloseAsync();
        }

        playwright?.Dispose();
    }

    private static IEnumerable<string> Constants(Type type) =>
        type.GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f is { IsLiteral: true } && f.FieldType == typeof(string))
            .Select(f => (string)f.GetRawConstantValue()!);

    private async Task<Dictionary<string, Words>> TableAsync(string name)
    {
        var json = await page!.EvaluateAsync<string>("(name) => JSON.stringify(window.words[name])", name);
        return JsonSerializer.Deserialize<Dictionary<string, Words>>(json, JsonSerializerOptions.Web)!;
    }

    [Test]
    public async Task EveryGradeFlagOfTheGradingCore_AndTheNewFlags_HaveNurseWords()
    {
        var expected = Constants(typeof(GradeFlags)).Concat(NewFlags).Distinct().ToList();
        Assert.That(expected, Has.Count.GreaterThanOrEqualTo(14 + NewFlags.Length), "reflection found the GradeFlags constants");
        AssertWords(await TableAsync("flagWords"), expected);
    }

    [Test]
    public async Task EveryNotGradableReasonOfTheGradingCore_AndTheNewReasons_HaveNurseWords()
    {
        var expected = Constants(typeof(NotGradableReasons)).Concat(NewReasons).Distinct().ToList();
        Assert.That(expected, Has.Count.GreaterThanOrEqualTo(4 + NewReasons.Length), "reflection found the NotGradableReasons constants");
        AssertWords(await TableAsync("reasonWords"), expected);
    }

    private static void AssertWords(Dictionary<string, Words> table, IReadOnlyList<string> codes)
    {
        using (Assert.EnterMultipleScope())
        {
            foreach (var code in codes)
            {
                Assert.That(table.TryGetValue(code, out var words), Is.True, $"words.js has no words for '{code}'");
                if (words is null)
                {
                    continue;
                }

                Assert.That(words.Label, Is.Not.Empty.And.Not.EqualTo(code), $"label of '{code}'");
                Assert.That(words.Meaning, Does.EndWith("."), $"what '{code}' means, as a sentence");
                Assert.That(words.Action, Does.EndWith("."), $"what to do about '{code}', as a sentence");
            }
        }
    }

    [Test]
    public async Task UnknownCodes_FallBackToAHumanizedForm_KnownCodesToTheirWords()
    {
        var unknown = await page!.EvaluateAsync<JsonElement>("() => window.words.flagText('some-future-flag')");
        var known = await page.EvaluateAsync<JsonElement>("() => window.words.reasonText('temperature-missing')");
        var prototype = await page.EvaluateAsync<JsonElement>("() => window.words.flagText('constructor')");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(unknown.GetProperty("label").GetString(), Is.EqualTo("Some future flag"));
            Assert.That(unknown.GetProperty("known").GetBoolean(), Is.False);
            Assert.That(known.GetProperty("label").GetString(), Is.EqualTo("No temperature"));
            Assert.That(known.GetProperty("action").GetString(), Is.EqualTo("Take and record a temperature."));
            Assert.That(prototype.GetProperty("label").GetString(), Is.EqualTo("Constructor"), "an Object.prototype name is not a word of the table");
        }
    }

    [Test]
    public async Task Gaps_StaleInputSaysForHowLong_NeverRecordedSaysYet()
    {
        var texts = await page!.EvaluateAsync<string[]>("""
            () => window.words.gapTexts([
              { input: 'temperature', missing: false, lastAt: '2026-01-01T05:00:00Z', text: 'temperature: last 37.2 °C at … is stale (4 h or older)' },
              { input: 'neuroCheck', missing: true, lastAt: null, text: 'neuroCheck: none recorded' },
              { input: 'systolicBp', missing: false, lastAt: '2026-01-01T09:20:00Z', text: 'systolicBp: last … is stale' },
              { input: 'oxygenFlow', missing: false, lastAt: null, text: 'oxygenFlow: none recorded with or since the oxygen device at 09:00 within 4 h' },
            ], '2026-01-01T10:00:00Z').map((g) => g.text)
            """);
        Assert.That(texts, Is.EqualTo(new[]
        {
            "No temperature for 5 h", "No neuro check yet", "No blood pressure for 40 min",
            "Oxygen flow: none recorded with or since the oxygen device at 09:00 within 4 h",
        }));
    }

    private sealed record Words(string Label, string Meaning, string Action);
}
