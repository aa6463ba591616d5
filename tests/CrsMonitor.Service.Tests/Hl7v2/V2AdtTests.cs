using static CrsMonitor.Service.Tests.Hl7v2.V2Messages;

namespace CrsMonitor.Service.Tests.Hl7v2;

/// <summary>
/// The ADT feed sets the patient's unit exactly as FHIR Encounters do: admit, transfer, discharge, cancel discharge,
/// cancel admit, register and update, each found again by the visit number (PV1-19).
/// </summary>
public sealed class V2AdtTests
{
    private V2Host v2 = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        v2 = await V2Host.StartAsync(CrsMonitor.Service.Storage.StorageProvider.Sqlite);
        v2.Host.Time.SetUtcNow(ServiceHost.Start.AddHours(2));
    }

    [OneTimeTearDown]
    public async Task StopAsync() => await v2.DisposeAsync();

    private static string Event(string trigger, string control, string patient, string unit, string visit, string discharged = "") =>
        Join(Msh($"ADT^{trigger}^ADT_A01", control), $"EVN|{trigger}|20250301090000+0000", Pid(patient),
            $"PV1|1|I|{unit}^701^1||||||||||||||||V-{visit}^^^HOSP^VN|||||||||||||||||||||||||20250301075500+0000|{discharged}");

    private async Task<(bool West, bool East)> WhereAsync(string patient) =>
        (await v2.PatientIdAsync(patient, "7W") is not null, await v2.PatientIdAsync(patient, "8E") is not null);

    [Test]
    public async Task Admit_transfer_discharge_cancel_discharge_and_cancel_admit_move_the_patient_as_Encounters_do()
    {
        async Task Step(string trigger, string unit, (bool, bool) expected, string discharged = "")
        {
            var ack = await v2.SendAsync(Event(trigger, $"ADT-{trigger}", "m1", unit, "m1", discharged));
            Assert.That(ack.Code, Is.EqualTo("AA"), ack.ToString());
            Assert.That(await WhereAsync("m1"), Is.EqualTo(expected), $"after {trigger}");
        }

        await Step("A01", "7W", (true, false));
        await Step("A02", "8E", (false, true));
        await Step("A08", "8E", (false, true));
        await Step("A03", "8E", (false, false), discharged: "20250301093000+0000");
        await Step("A13", "8E", (false, true));
        await Step("A11", "8E", (false, false));
    }

    [Test]
    public async Task A_registration_places_an_outpatient_on_the_unit_of_its_visit()
    {
        var ack = await v2.SendAsync(Event("A04", "REG-1", "m2", "7W", "m2").Replace("PV1|1|I|", "PV1|1|O|", StringComparison.Ordinal));

        Assert.That(ack.Code, Is.EqualTo("AA"), ack.ToString());
        Assert.That(await WhereAsync("m2"), Is.EqualTo((true, false)));
    }

    [Test]
    public async Task An_admission_without_a_visit_number_is_refused_naming_PV1_19()
    {
        var ack = await v2.SendAsync(Event("A01", "NOVISIT-1", "m3", "7W", "m3").Replace("V-m3^^^HOSP^VN", string.Empty, StringComparison.Ordinal));

        Assert.That(ack.Code, Is.EqualTo("AE"), ack.ToString());
        Assert.That(ack.Errors.Single().Location, Is.EqualTo("PV1^1^19^1"));
        Assert.That(ack.Errors.Single().Code, Is.EqualTo("101"));
        Assert.That(await WhereAsync("m3"), Is.EqualTo((false, false)), "nothing stored");
    }

    [Test]
    public async Task An_assigning_authority_with_no_system_is_refused_naming_PID_3_4_and_the_setting()
    {
        var ack = await v2.SendAsync(Event("A01", "AUTH-1", "m4", "7W", "m4").Replace("MRN-m4^^^HOSP^MR", "MRN-m4^^^OTHER^MR", StringComparison.Ordinal));

        Assert.That(ack.Code, Is.EqualTo("AE"), ack.ToString());
        Assert.That(ack.Errors.Single().Location, Is.EqualTo("PID^1^3^1^4"));
        Assert.That(ack.Errors.Single().Text, Does.Contain("Hl7v2:AssigningAuthorities:OTHER"));
    }

    [Test]
    public async Task An_admission_names_the_unit_by_the_point_of_care_and_needs_one()
    {
        var ack = await v2.SendAsync(Event("A01", "NOUNIT-1", "m5", string.Empty, "m5"));

        Assert.That(ack.Code, Is.EqualTo("AE"), ack.ToString());
        Assert.That(ack.Errors.Single().Location, Is.EqualTo("PV1^1^3^1^1"));
    }

    [Test]
    public async Task A_training_message_is_not_taken_by_a_production_instance()
    {
        var ack = await v2.SendAsync(Event("A01", "TRAIN-1", "m6", "7W", "m6").Replace("|P|2.5.1", "|T|2.5.1", StringComparison.Ordinal));

        Assert.That(ack.Code, Is.EqualTo("AR"), ack.ToString());
        Assert.That(ack.Errors.Single().Location, Is.EqualTo("MSH^1^11^1"));
        Assert.That(ack.Errors.Single().Code, Is.EqualTo("202"));
    }

    [Test]
    public async Task A_version_before_2_3_is_not_taken()
    {
        var ack = await v2.SendAsync(Event("A01", "OLD-1", "m7", "7W", "m7").Replace("|P|2.5.1", "|P|2.2", StringComparison.Ordinal));

        Assert.That(ack.Code, Is.EqualTo("AR"), ack.ToString());
        Assert.That(ack.Errors.Single().Code, Is.EqualTo("203"));
    }

    [Test]
    public async Task A_message_without_a_control_id_is_refused_naming_MSH_10()
    {
        var ack = await v2.SendAsync(Event("A01", string.Empty, "m8", "7W", "m8"));

        Assert.That(ack.Code, Is.EqualTo("AE"), ack.ToString());
        Assert.That(ack.Errors.Single().Location, Is.EqualTo("MSH^1^10^1"));
    }
}
