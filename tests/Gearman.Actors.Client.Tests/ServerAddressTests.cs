namespace Gearman.Actors.Client.Tests;

public sealed class ServerAddressTests
{
    [Theory]
    [InlineData("gearman.example", "gearman.example", 4730)]
    [InlineData("127.0.0.1:4731", "127.0.0.1", 4731)]
    [InlineData(" host:1 ", "host", 1)]
    [InlineData("[::1]:4999", "::1", 4999)]
    [InlineData("[::1]", "::1", 4730)]
    [InlineData("::1", "::1", 4730)]
    public void Parses_the_forms_gearman_tools_accept(string text, string host, int port) =>
        Assert.Equal(new ServerAddress(host, port), ServerAddress.Parse(text));

    [Theory]
    [InlineData("host:")]
    [InlineData("host:0")]
    [InlineData("host:65536")]
    [InlineData("host:x")]
    [InlineData("[::1")]
    [InlineData("[::1]x")]
    public void Rejects_bad_ports_and_brackets(string text) =>
        Assert.Throws<FormatException>(() => ServerAddress.Parse(text));

    [Fact]
    public void Prints_ipv6_hosts_in_brackets() =>
        Assert.Equal("[::1]:4730", new ServerAddress("::1").ToString());
}
