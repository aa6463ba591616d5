using System.Globalization;
using CrsMonitor.Service.Tests.Alerts;
using static CrsMonitor.Service.Tests.Alerts.RoundSettleKit;
using static CrsMonitor.Service.Tests.Assessment.TimelineCourse;
using static CrsMonitor.Service.Tests.Fhir.FhirTestData;

namespace CrsMonitor.Service.Tests.Research;

/// <summary>
/// The public 48 h tarlatamab C1D1 course (GradeTimelineCourseTests.RecordedCourse: CRS 2 from h14, peak h16,
/// resolved h68; ICANS 2 at h20, resolved h50) played over FHIR for a named patient with an MRN and a birth date,
/// plus laboratory Observations (LOINC, UCUM) before the dose and during the episodes.
/// </summary>
internal static class ResearchCourse
{
    /// <summary>The labs of the course: hour, LOINC, value, UCUM unit (CRP sent once in mg/dL, platelets in 10*3/uL).</summary>
    public static readonly (double Hour, string Loinc, string Value, string Unit)[] Labs =
    [
        (-1, "2532-0", "250", "U/L"), (-1, "2160-0", "0.9", "mg/dL"), (-1, "777-3", "180", "10*3/uL"), (-1, "1988-5", "5", "mg/L"),
        (16, "1988-5", "12.5", "mg/dL"), (16, "2276-4", "1800", "ng/mL"), (16, "26881-3", "150", "pg/mL"),
        (16, "2532-0", "410", "U/L"), (16, "2160-0", "1.2", "mg/dL"), (16, "777-3", "95", "10*9/L"),
    ];

    public static async Task PlayAsync(ServiceHost host, HttpClient integration, string patient, string birthDate, string unit)
    {
        await Ok(await integration.PutAsync($"/fhir/Location/{unit}", Body(Location(unit))));
        await Ok(await integration.PutAsync($"/fhir/Patient/{patient}", Body(Patient(patient, birthDate))));
        await Ok(await integration.PutAsync($"/fhir/Encounter/enc-{patient}", Body(Encounter($"enc-{patient}", patient, unit))));
        foreach (var (at, resources) in CourseOverFhir.Rounds(Assessment.GradeTimelineCourseTests.RecordedCourse().Readings, patient))
        {
            await AdvanceToAsync(host, at);
            foreach (var resource in resources)
            {
                await Ok(await integration.PostAsync($"/fhir/{resource.Type}", Body(resource.Json)));
            }

            foreach (var lab in Labs.Where(l => H(l.Hour) <= at && H(l.Hour) > at.AddHours(-1)))
            {
                await Ok(await integration.PostAsync("/fhir/Observation", Body(Lab(patient, lab.Loinc, lab.Value, lab.Unit, H(lab.Hour)))));
            }
        }
    }

    public static string Lab(string patient, string loinc, string value, string unit, DateTimeOffset at) =>
        $$$"""
        {"resourceType":"Observation","status":"final",
         "category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"laboratory"}]}],
         "code":{"coding":[{"system":"http://loinc.org","code":"{{{loinc}}}"}]},
         "subject":{"reference":"Patient/{{{patient}}}"},"effectiveDateTime":"{{{at.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)}}}",
         "valueQuantity":{"value":{{{value}}},"unit":"{{{unit}}}","system":"http://unitsofmeasure.org","code":"{{{unit}}}"}}
        """;
}
