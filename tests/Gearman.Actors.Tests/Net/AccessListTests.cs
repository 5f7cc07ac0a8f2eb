using System.Net;
using Akka.Configuration;
using Gearman.Actors.Hosting;
using Gearman.Actors.Net;
using Gearman.Actors.Server;

namespace Gearman.Actors.Tests.Net;

public sealed class AccessListTests
{
    private static AccessList Parse(params string[] entries) => AccessList.Parse(entries);

    [Theory]
    [InlineData("10.0.0.0/8", "10.200.3.4", true)]
    [InlineData("10.0.0.0/8", "11.0.0.1", false)]
    [InlineData("192.168.1.20", "192.168.1.20", true)]
    [InlineData("192.168.1.20", "192.168.1.21", false)]
    [InlineData("127.0.0.0/8", "::ffff:127.0.0.1", true)] // an IPv4 peer on a dual-stack socket
    [InlineData("::1", "::1", true)]
    [InlineData("::1", "127.0.0.1", false)]
    [InlineData("fd00::/8", "fd12:3456::1", true)]
    [InlineData("fd00::/8", "fe80::1", false)]
    [InlineData("0.0.0.0/0", "203.0.113.9", true)]
    public void An_address_is_allowed_when_a_block_holds_it(string block, string address, bool allowed) =>
        Assert.Equal(allowed, Parse(block).Allows(IPAddress.Parse(address)));

    [Fact]
    public void Several_blocks_allow_what_any_of_them_holds_and_blank_entries_are_skipped()
    {
        var list = Parse(" 10.0.0.0/8 ", "", "192.168.0.0/16");
        Assert.Equal(new[] { "10.0.0.0/8", "192.168.0.0/16" }, list.Blocks);
        Assert.True(list.Allows(new IPEndPoint(IPAddress.Parse("192.168.7.7"), 4730)));
        Assert.False(list.Allows(new IPEndPoint(IPAddress.Loopback, 4730)));
        Assert.False(list.Allows((EndPoint?)null));
    }

    [Fact]
    public void No_entries_allow_everyone()
    {
        Assert.Same(AccessList.Everyone, Parse());
        Assert.Same(AccessList.Everyone, Parse("", " "));
        Assert.True(AccessList.Everyone.Allows(IPAddress.Parse("203.0.113.9")));
        Assert.True(AccessList.Everyone.Allows((EndPoint?)null));
    }

    [Theory]
    [InlineData("10.1.2.3/8")] // bits past the prefix: the operator meant something, but not this
    [InlineData("10.0.0.0/33")]
    [InlineData("localhost")]
    [InlineData("10.0.0")]
    public void An_entry_that_is_not_an_address_or_a_block_is_refused_with_what_was_wrong(string entry)
    {
        var e = Assert.Throws<FormatException>(() => Parse(entry));
        Assert.Contains($"\"{entry}\"", e.Message);
    }

    [Fact]
    public void Settings_read_a_hocon_list_or_a_string_of_comma_separated_entries()
    {
        var settings = BrokerSettings.FromConfig(ConfigurationFactory.ParseString(
            "gearman.allow = [\"10.0.0.0/8\", \"::1\"], gearman.admin-allow = \"127.0.0.1, 192.168.0.0/16\""));
        Assert.Equal(new[] { "10.0.0.0/8", "::1/128" }, settings.Allow.Blocks);
        Assert.Equal(new[] { "127.0.0.1/32", "192.168.0.0/16" }, settings.AdminAllow.Blocks);
    }

    [Fact]
    public void By_default_everyone_may_connect_and_administer_as_with_gearmand()
    {
        var settings = BrokerSettings.FromConfig(GearmanBroker.DefaultConfig);
        Assert.True(settings.Allow.AllowsEveryone);
        Assert.True(settings.AdminAllow.AllowsEveryone);
    }

    [Fact]
    public void A_bad_entry_in_the_settings_names_its_key()
    {
        var e = Assert.Throws<ArgumentException>(() =>
            BrokerSettings.FromConfig(ConfigurationFactory.ParseString("gearman.admin-allow = [\"10.0.0.0/8\", \"nonsense\"]")));
        Assert.StartsWith("gearman.admin-allow: \"nonsense\"", e.Message);
    }

    [Fact]
    public void The_command_line_flags_repeat_or_take_commas()
    {
        var options = new ServerOptions();
        var parsed = options.BuildRoot().Parse(["--allow", "10.0.0.0/8,::1", "--allow", "192.168.1.20", "--admin-allow", "127.0.0.1"]);
        var settings = BrokerSettings.FromConfig(ConfigurationFactory.ParseString(options.ToHocon(parsed)));
        Assert.Equal(new[] { "10.0.0.0/8", "::1/128", "192.168.1.20/32" }, settings.Allow.Blocks);
        Assert.Equal(new[] { "127.0.0.1/32" }, settings.AdminAllow.Blocks);
    }

    [Fact]
    public void Hosting_options_become_the_same_settings()
    {
        var hocon = new GearmanBrokerOptions { Allow = ["10.0.0.0/8"], AdminAllow = ["::1", "127.0.0.1"] }.ToHocon();
        var settings = BrokerSettings.FromConfig(hocon);
        Assert.Equal(new[] { "10.0.0.0/8" }, settings.Allow.Blocks);
        Assert.Equal(new[] { "::1/128", "127.0.0.1/32" }, settings.AdminAllow.Blocks);
    }
}
