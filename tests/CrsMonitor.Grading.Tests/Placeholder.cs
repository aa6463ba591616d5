namespace CrsMonitor.Grading.Tests;
