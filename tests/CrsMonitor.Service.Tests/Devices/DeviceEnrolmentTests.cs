using System.Net;
using System.Text.Json.Nodes;
using CrsMonitor.Service.Identity;
using static CrsMonitor.Service.Tests.Alerts.AlertKit;
using static CrsMonitor.Service.Tests.Devices.DeviceKit;
using static CrsMonitor.Service.Tests.Fhir.FhirTestData;

namespace CrsMonitor.Service.Tests.Devices;

/// <summary>
/// The enrolment routes (issue 17), every role: <c>POST /api/patients/{id}/devices</c>, <c>GET</c> the same path and
/// <c>DELETE /api/patients/{id}/devices/{enrolmentId}</c> are the patient's unit's nurses' and physicians' (201 / 200 / 200),
/// 403 with a problem body for another unit's clinicians, integration, admin and researcher tokens, 404 for an unknown
/// patient or enrolment; each request is audited (allowed and refused); a body error names its field; the same device
/// twice is 409, an enrolment ended twice 409.
/// </summary>
public sealed class DeviceEnrolmentTests
{
    private const string Patient = "p-enrol";
    private const string Body = """{"device":"urn:example:wearable|W-9","signals":[{"signal":"temperature","everySeconds":120},{"signal":"blood-pressure","everySeconds":14400}],"graceSeconds":900}""";

    private ServiceHost host = null!;

    [SetUp]
    public async Task StartAsync()
    {
        host = new ServiceHost();
        host.Time.SetUtcNow(Day);
        using var integration = host.ClientFor(Roles.Integration);
        await AdmitAsync(integration, Patient, West);
    }

    [TearDown]
    public void Stop() => host.Dispose();

    [TestCase(Roles.Nurse)]
    [TestCase(Roles.Physician)]
    public async Task AClinicianOfThePatientsUnit_Enrols_Lists_AndEnds_EachAudited(string role)
    {
        using var clinician = host.ClientFor(role, West);
        using var enrolled = await clinician.PostAsync($"/api/patients/{Patient}/devices", ServiceHost.Json(Body));
        var enrolment = JsonNode.Parse(await enrolled.Content.ReadAsStringAsync())!;
        var id = Text(enrolment, "id");
        using var twice = await clinician.PostAsync($"/api/patients/{Patient}/devices", ServiceHost.Json(Body));
        using var listed = await clinician.GetAsync($"/api/patients/{Patient}/devices");
        using var ended = await clinician.DeleteAsync($"/api/patients/{Patient}/devices/{id}");
        using var endedTwice = await clinician.DeleteAsync($"/api/patients/{Patient}/devices/{id}");
        using var unknown = await clinician.DeleteAsync($"/api/patients/{Patient}/devices/nothing-here");
        using var again = await clinician.PostAsync($"/api/patients/{Patient}/devices", ServiceHost.Json(Body));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(enrolled.StatusCode, Is.EqualTo(HttpStatusCode.Created));
            Assert.That(Text(enrolment, "device"), Is.EqualTo("urn:example:wearable|W-9"));
            Assert.That(enrolment["graceSeconds"]!.GetValue<int>(), Is.EqualTo(900));
            Assert.That(enrolment["signals"]!.AsArray().Select(s => (s!["signal"]!.GetValue<string>(), s["expectedEverySeconds"]!.GetValue<int>())),
                Is.EqualTo(new[] { ("blood-pressure", 14400), ("temperature", 120) }));
            Assert.That(twice.StatusCode, Is.EqualTo(HttpStatusCode.Conflict), "the same device is enrolled once at a time");
            Assert.That(twice.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
            Assert.That(listed.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(JsonNode.Parse(await listed.Content.ReadAsStringAsync())!["enrolments"]!.AsArray(), Has.Count.EqualTo(1));
            Assert.That(ended.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(JsonNode.Parse(await ended.Content.ReadAsStringAsync())!["endedAt"]!.GetValue<DateTimeOffset>(), Is.EqualTo(Day));
            Assert.That(endedTwice.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
            Assert.That(unknown.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
            Assert.That(unknown.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
            Assert.That(again.StatusCode, Is.EqualTo(HttpStatusCode.Created), "after its end the device may be enrolled again");
        }

        var enrolRows = await AuditRowsAsync(host, "device.enrol", 3);
        var endRows = await AuditRowsAsync(host, "device.end", 3);
        var listRows = await AuditRowsAsync(host, "device.list", 1);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(enrolRows.Count(r => r.Outcome == "success"), Is.EqualTo(2));
            Assert.That(enrolRows.Where(r => r.Outcome == "success").Select(r => r.PatientId), Is.All.EqualTo(Patient));
            Assert.That(enrolRows.Where(r => r.Outcome == "success").Select(r => r.ResourceType), Is.All.EqualTo("DeviceEnrolment"));
            Assert.That(endRows.Where(r => r.Outcome == "success").Select(r => r.ResourceId), Is.EqualTo(new[] { id }));
            Assert.That(listRows.Single().PatientId, Is.EqualTo(Patient));
        }
    }

    [Test]
    public async Task EveryOtherCaller_IsRefusedWithAProblem_AndAudited()
    {
        using var owner = host.ClientFor(Roles.Nurse, West);
        var id = Text(await EnrolAsync(owner, Patient, Body), "id");
        var callers = new Dictionary<string, HttpClient>
        {
            ["nurse of another unit"] = host.ClientFor(Roles.Nurse, East),
            ["physician of another unit"] = host.ClientFor(Roles.Physician, East),
            ["integration"] = host.ClientFor(Roles.Integration),
            ["admin"] = host.ClientFor(Roles.Admin, West),
            ["researcher"] = host.ClientFor(Roles.Researcher, West),
        };
        try
        {
            foreach (var (who, client) in callers)
            {
                using var enrol = await client.PostAsync($"/api/patients/{Patient}/devices", ServiceHost.Json(Body.Replace("W-9", "W-10", StringComparison.Ordinal)));
                using var list = await client.GetAsync($"/api/patients/{Patient}/devices");
                using var end = await client.DeleteAsync($"/api/patients/{Patient}/devices/{id}");
                using (Assert.EnterMultipleScope())
                {
                    foreach (var (what, answer) in new[] { ("enrol", enrol), ("list", list), ("end", end) })
                    {
                        Assert.That(answer.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden), $"{who}: {what}");
                        Assert.That(answer.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"), $"{who}: {what}");
                        Assert.That(await answer.Content.ReadAsStringAsync(), Does.Not.Contain("W-9"), $"{who}: {what} tells nothing of the enrolment");
                    }
                }
            }
        }
        finally
        {
            foreach (var client in callers.Values)
            {
                client.Dispose();
            }
        }

        using var listed = await owner.GetAsync($"/api/patients/{Patient}/devices");
        var enrolments = JsonNode.Parse(await listed.Content.ReadAsStringAsync())!["enrolments"]!.AsArray();
        // The other unit's clinicians pass the role policy and are refused by the unit check, audited under the route's action;
        // integration, admin and researcher tokens are refused by the role policy before it (audited as denied requests).
        var refused = await AuditRowsAsync(host, "device.enrol", 1 + 2);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(enrolments.Single()!["endedAt"], Is.Null, "nobody else ended it");
            Assert.That(enrolments.Single()!["device"]!.GetValue<string>(), Does.EndWith("W-9"), "nobody else enrolled one");
            Assert.That(refused.Where(r => r.Outcome != "success").Select(r => r.PatientId), Is.EqualTo(new[] { Patient, Patient }), "the unit refusals are audited");
        }
    }

    [TestCase("""{"signals":[{"signal":"temperature","everySeconds":120}]}""", "device")]
    [TestCase("""{"device":"x|1"}""", "signals")]
    [TestCase("""{"device":"x|1","signals":[]}""", "signals")]
    [TestCase("""{"device":"x|1","signals":[{"signal":"glucose","everySeconds":60}]}""", "signals[0].signal")]
    [TestCase("""{"device":"x|1","signals":[{"signal":"spo2","everySeconds":0}]}""", "signals[0].everySeconds")]
    [TestCase("""{"device":"x|1","signals":[{"signal":"spo2","everySeconds":86401}]}""", "signals[0].everySeconds")]
    [TestCase("""{"device":"x|1","signals":[{"signal":"spo2"}]}""", "signals[0].everySeconds")]
    [TestCase("""{"device":"x|1","signals":[{"signal":"spo2","everySeconds":60},{"signal":"spo2","everySeconds":30}]}""", "signals[1].signal")]
    [TestCase("""{"device":"x|1","signals":[{"signal":"spo2","everySeconds":60}],"graceSeconds":-1}""", "graceSeconds")]
    [TestCase("""{"device":"x|1","signals":[{"signal":"spo2","everySeconds":60}],"colour":"red"}""", "colour")]
    public async Task ABodyError_Is400NamingTheField(string body, string field)
    {
        using var nurse = host.ClientFor(Roles.Nurse, West);
        using var answer = await nurse.PostAsync($"/api/patients/{Patient}/devices", ServiceHost.Json(body));
        var errors = JsonNode.Parse(await answer.Content.ReadAsStringAsync())!["errors"]!.AsObject();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(answer.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That(errors.Select(e => e.Key), Does.Contain(field));
        }
    }

    [Test]
    public async Task AnUnknownPatient_Is404()
    {
        using var nurse = host.ClientFor(Roles.Nurse, West);
        using var answer = await nurse.PostAsync("/api/patients/p-nobody/devices", ServiceHost.Json(Body));
        Assert.That(answer.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }
}
