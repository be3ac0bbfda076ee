using System.Reflection;

namespace PveTokens.Tests.Module;

public class DependencyResolverTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("pvetokens-deps").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void ServesNothingThatIsNotInTheDependencyFolder()
    {
        var requested = new AssemblyName("Some.Host.Assembly, Version=1.0.0.0");
        Assert.Null(PveTokens.DependencyResolver.Resolve(_folder, requested, AppDomain.CurrentDomain.GetAssemblies()));
    }

    [Fact]
    public void PrefersAnAlreadyLoadedAssemblyOfAtLeastTheRequestedVersion()
    {
        // The host (pwsh 7.6) already has System.Text.Json 10 loaded: a request for 8.0 must get that one,
        // never a second copy from the module folder.
        File.WriteAllBytes(Path.Combine(_folder, "System.Text.Json.dll"), new byte[] { 0 });
        var requested = new AssemblyName("System.Text.Json, Version=8.0.0.0");
        Assembly loaded = typeof(System.Text.Json.JsonSerializer).Assembly;

        Assembly? served = PveTokens.DependencyResolver.Resolve(_folder, requested, new[] { loaded });

        Assert.Same(loaded, served);
    }

    [Fact]
    public void FindsTheCandidateFileByAssemblyName()
    {
        string path = Path.Combine(_folder, "System.Memory.dll");
        File.WriteAllBytes(path, new byte[] { 0 });

        Assert.Equal(path, PveTokens.DependencyResolver.CandidatePath(_folder, new AssemblyName("System.Memory, Version=4.0.1.2")));
        Assert.Null(PveTokens.DependencyResolver.CandidatePath(_folder, new AssemblyName("System.Buffers")));
    }
}
