using System.Text.Json.Nodes;
using CrsMonitor.Service.Storage;
using CrsMonitor.Service.Tests.Storage;
using Hl7.Fhir.Model;
using Hl7.Fhir.Rest;
using static CrsMonitor.Service.Tests.Fhir.FhirTestData;
using Task = System.Threading.Tasks.Task;

namespace CrsMonitor.Service.Tests.Fhir;

/// <summary>
/// Observation search pages as a standard FHIR client follows them (issue 13): Firely's <see cref="FhirClient"/>
/// SearchAsync + ContinueAsync sees every match exactly once, in order, with the total on every page, also while
/// Observations arrive between pages; <c>self</c> names only the parameters applied (unknown ones are ignored only
/// with <c>Prefer: handling=lenient</c>); <c>_count=0</c> and <c>_summary=count</c> answer the total only. On each
/// storage provider.
/// </summary>
[TestFixture(StorageProvider.Sqlite)]
[TestFixture(StorageProvider.Postgres)]
public sealed class SearchPagingTests(StorageProvider provider)
{
    private const string TemperatureCode = "http://loinc.org|8310-5";

    private TestDatabase database = null!;
    private ServiceHost host = null!;
    private HttpClient integration = null!;
    private HttpClient nurseHttp = null!;
    private FhirClient nurse = null!;

    private static DateTimeOffset T(double hours) => ServiceHost.Start.AddHours(hours);

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        database = await TestDatabase.CreateAsync(provider);
        host = new ServiceHost(database.HostSettings);
        integration = host.ClientFor("integration");
        nurseHttp = host.ClientFor("nurse", "7W");
        nurse = new FhirClient(new Uri(nurseHttp.BaseAddress!, "fhir"), nurseHttp, new FhirClientSettings { PreferredFormat = ResourceFormat.Json, VerifyFhirVersion = true });
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        nurse.Dispose();
        nurseHttp.Dispose();
        integration.Dispose();
        await host.DisposeAsync();
        await database.DisposeAsync();
    }

    [Test]
    public async Task ContinueAsync_SeesEveryObservationExactlyOnce_InEffectiveTimeOrder_WithTheTotalOnEveryPage()
    {
        var expected = await AdmitWithTemperaturesAsync("pg-all", 23);
        var pages = await AllPagesAsync(await nurse.SearchAsync<Observation>(Query("pg-all", 5)));
        var seen = pages.SelectMany(p => p.Entry.Select(e => e.Resource!.Id)).ToList();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(pages, Has.Count.EqualTo(5));
            Assert.That(pages.Select(p => p.Total), Is.All.EqualTo(23));
            Assert.That(pages.Select(p => p.Entry.Count), Is.EqualTo(new[] { 5, 5, 5, 5, 3 }));
            Assert.That(seen, Is.EqualTo(expected), "every match once, oldest first");
            Assert.That(pages[^1].NextLink, Is.Null);
        }
    }

    [Test]
    public async Task ObservationsArrivingBetweenPages_NeverRepeatOrSkipAMatchOfTheFirstPage()
    {
        var original = await AdmitWithTemperaturesAsync("pg-live", 12);
        var page = await nurse.SearchAsync<Observation>(Query("pg-live", 4));
        var seen = page!.Entry.Select(e => e.Resource!.Id!).ToList();
        var added = new List<string>();
        for (var round = 0; (page = await nurse.ContinueAsync(page!)) is not null; round++)
        {
            seen.AddRange(page.Entry.Select(e => e.Resource!.Id!));
            // Between pages: one reading earlier than everything (an offset would shift a seen match into the next
            // page), one between the matches already given and those to come, one after all of them.
            added.Add(await CreateTemperatureAsync("pg-live", T(-30 - round)));
            added.Add(await CreateTemperatureAsync("pg-live", T(-6.5 + round)));
            added.Add(await CreateTemperatureAsync("pg-live", T(10 + round)));
        }

        using (Assert.EnterMultipleScope())
        {
            Assert.That(seen, Is.Unique, "no match is given twice");
            Assert.That(original, Is.SubsetOf(seen), "every match that was there when the search began is given");
            Assert.That(seen.Except(original), Is.SubsetOf(added));
            Assert.That(added.Where(id => seen.Contains(id)), Is.Not.Empty, "readings later than the cursor are still found");
        }
    }

    [Test]
    public async Task PreviousAndFirst_LeadBackToTheSamePages()
    {
        var expected = await AdmitWithTemperaturesAsync("pg-back", 7);
        var first = await nurse.SearchAsync<Observation>(Query("pg-back", 3));
        var second = await nurse.ContinueAsync(first!);
        var third = await nurse.ContinueAsync(second!);
        var backToSecond = await nurse.ContinueAsync(third!, PageDirection.Previous);
        var backToFirst = await nurse.ContinueAsync(second!, PageDirection.Previous);
        var firstAgain = await nurse.ContinueAsync(third!, PageDirection.First);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Ids(third), Is.EqualTo(expected[6..]));
            Assert.That(Ids(backToSecond), Is.EqualTo(Ids(second)));
            Assert.That(Ids(backToFirst), Is.EqualTo(expected[..3]));
            Assert.That(Ids(firstAgain), Is.EqualTo(expected[..3]));
            Assert.That(first!.PreviousLink, Is.Null);
            Assert.That(backToFirst!.PreviousLink, Is.Null);
        }
    }

    [Test]
    public async Task Links_AreAbsoluteOnTheRequestsAddress_AndSelfNamesOnlyTheParametersApplied()
    {
        await AdmitWithTemperaturesAsync("pg-links", 3);
        using var client = new HttpClient(host.Server.CreateHandler(c => c.Request.PathBase = "/crs")) { BaseAddress = new Uri("https://fhir.example.org:8443/") };
        client.DefaultRequestHeaders.Authorization = nurseHttp.DefaultRequestHeaders.Authorization;
        var response = await SendAsync(client, $"/fhir/Observation?patient=Patient/pg-links&code={Uri.EscapeDataString(TemperatureCode)}&_count=2&_sort=-date&_elements=id",
            ("Prefer", "handling=lenient"));
        var bundle = JsonNode.Parse(await Ok(response))!;
        var links = bundle["link"]!.AsArray().ToDictionary(l => l!["relation"]!.GetValue<string>(), l => l!["url"]!.GetValue<string>());
        const string Applied = "?patient=pg-links&code=http%3A%2F%2Floinc.org%7C8310-5&_count=2";
        using (Assert.EnterMultipleScope())
        {
            Assert.That(response.Headers.GetValues("Preference-Applied"), Is.EqualTo(new[] { "handling=lenient" }));
            Assert.That(links.Keys, Is.EquivalentTo(new[] { "self", "first", "next" }));
            Assert.That(links["self"], Is.EqualTo("https://fhir.example.org:8443/crs/fhir/Observation" + Applied));
            Assert.That(links["first"], Is.EqualTo(links["self"]));
            Assert.That(links["next"], Does.StartWith("https://fhir.example.org:8443/crs/fhir/Observation" + Applied + "&_page=after."));
            Assert.That(bundle["entry"]!.AsArray(), Has.Count.EqualTo(2));
            Assert.That(bundle["total"]!.GetValue<int>(), Is.EqualTo(3));
        }
    }

    [TestCase(null)]
    [TestCase("handling=strict")]
    [TestCase("handling=lenient, handling=strict")]
    public async Task UnknownParameter_WithoutLenientHandling_Is400NamingIt(string? prefer)
    {
        await AdmitWithTemperaturesAsync("pg-strict", 1);
        var headers = prefer is null ? [] : new[] { ("Prefer", prefer) };
        var response = await SendAsync(nurseHttp, "/fhir/Observation?patient=pg-strict&_sort=-date", headers);
        var outcome = await FhirAssert.OutcomeAsync(response, 400);
        Assert.That(FhirAssert.Expressions(outcome), Is.EqualTo(new[] { "_sort" }));
    }

    [Test]
    public async Task LenientHandling_IgnoresUnknownParameters_ButNotAMalformedKnownOne()
    {
        await AdmitWithTemperaturesAsync("pg-lenient", 2);
        // Firely sends Prefer: handling=lenient when asked to.
        nurse.Settings.PreferredParameterHandling = SearchParameterHandling.Lenient;
        Bundle? ignored;
        try
        {
            ignored = await nurse.SearchAsync<Observation>(Query("pg-lenient", 10).Add("_sort", "-date").Add("value-quantity", "gt38"));
        }
        finally
        {
            nurse.Settings.PreferredParameterHandling = null;
        }

        var lenient = new[] { ("Prefer", "return=representation; foo, handling=lenient") };
        var badCount = await SendAsync(nurseHttp, "/fhir/Observation?patient=pg-lenient&_count=many&_sort=-date", lenient);
        var badDate = await SendAsync(nurseHttp, "/fhir/Observation?patient=pg-lenient&date=yesterday", lenient);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(ignored!.Total, Is.EqualTo(2));
            Assert.That(ignored.SelfLink!.Query, Does.Not.Contain("_sort").And.Not.Contain("value-quantity"));
            Assert.That(FhirAssert.Expressions(await FhirAssert.OutcomeAsync(badCount, 400)), Is.EqualTo(new[] { "_count" }));
            Assert.That(FhirAssert.Expressions(await FhirAssert.OutcomeAsync(badDate, 400)), Is.EqualTo(new[] { "date" }));
        }
    }

    [TestCase("_count=0")]
    [TestCase("_summary=count")]
    [TestCase("_summary=count&_count=2")]
    public async Task CountZero_AndSummaryCount_AnswerTheTotalWithoutEntries(string parameters)
    {
        await AdmitWithTemperaturesAsync("pg-count", 4);
        var bundle = JsonNode.Parse(await Ok(await nurseHttp.GetAsync($"/fhir/Observation?patient=pg-count&code={Uri.EscapeDataString(TemperatureCode)}&{parameters}")))!;
        var links = bundle["link"]!.AsArray().Select(l => l!["relation"]!.GetValue<string>()).ToList();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(bundle["total"]!.GetValue<int>(), Is.EqualTo(4));
            Assert.That(bundle["entry"], Is.Null);
            Assert.That(links, Is.EqualTo(new[] { "self" }));
        }
    }

    [TestCase("_count=-1", "_count")]
    [TestCase("_count=5001", "_count")]
    [TestCase("_count=1&_count=2", "_count")]
    [TestCase("_summary=text", "_summary")]
    [TestCase("_page=2", "_page")]
    [TestCase("_page=after.1.bad%20id", "_page")]
    [TestCase("subject=Patient/pg-bad", "patient")]
    public async Task MalformedPagingOrPatientParameters_Are400NamingThem(string parameters, string named)
    {
        await AdmitWithTemperaturesAsync("pg-bad", 1);
        var response = await nurseHttp.GetAsync($"/fhir/Observation?patient=pg-bad&{parameters}");
        Assert.That(FhirAssert.Expressions(await FhirAssert.OutcomeAsync(response, 400)), Is.EqualTo(new[] { named }));
    }

    [Test]
    public async Task APageAfterTheLastMatch_IsEmpty_WithTheTotal_AndNoNext()
    {
        var expected = await AdmitWithTemperaturesAsync("pg-end", 2);
        var last = await nurse.SearchAsync<Observation>(Query("pg-end", 2));
        var cursor = new Uri($"{last!.SelfLink!.OriginalString}&_page=after.{DateTimeOffset.MaxValue.UtcTicks}.zzz");
        var beyond = (Bundle?)await nurse.GetAsync(cursor);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Ids(last), Is.EqualTo(expected));
            Assert.That(beyond!.Entry, Is.Empty);
            Assert.That(beyond.Total, Is.EqualTo(2));
            Assert.That(beyond.NextLink, Is.Null);
        }
    }

    private static SearchParams Query(string patient, int count) =>
        new SearchParams().Add("patient", patient).Add("code", TemperatureCode).LimitTo(count);

    private static List<string> Ids(Bundle? bundle) => [.. bundle!.Entry.Select(e => e.Resource!.Id!)];

    private async Task<List<Bundle>> AllPagesAsync(Bundle? page)
    {
        var pages = new List<Bundle>();
        for (; page is not null && pages.Count < 100; page = await nurse.ContinueAsync(page))
        {
            pages.Add(page);
        }

        return pages;
    }

    /// <summary>Admits the patient to 7W and writes <paramref name="count"/> temperatures an hour apart, ids in effective-time order.</summary>
    private async Task<List<string>> AdmitWithTemperaturesAsync(string patient, int count)
    {
        await AdmitAsync(integration, patient, "7W");
        var ids = new List<string>();
        for (var i = 0; i < count; i++)
        {
            ids.Add(await CreateTemperatureAsync(patient, T(-count + i)));
        }

        return ids;
    }

    /// <summary>The id from Location: a test case run again resends the same reading, which names the stored one.</summary>
    private async Task<string> CreateTemperatureAsync(string patient, DateTimeOffset at)
    {
        var response = await integration.PostAsync("/fhir/Observation", Body(Temperature(patient, 37.0m, "Cel", at)));
        await Ok(response);
        return FhirAssert.IdOf(response);
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, string path, params (string Name, string Value)[] headers) =>
        await FhirAssert.SendAsync(client, HttpMethod.Get, path, null, headers);
}
