# `cmake --install` and CPack's .deb, included from the top-level
# CMakeLists.txt. Debian's layout with the prefix /usr: binaries in bin/,
# the Ruby gem (the pool master the node starts) in share/desaster/ruby,
# man pages, the systemd units, the SysV script, /etc/default/desaster and a
# logrotate rule. The units and the script name /usr paths; they are
# rewritten to the install's prefix here. Configuration goes to /etc
# whatever the prefix (Debian's place for it; DESTDIR still applies).
include(GNUInstallDirs)
# `make install` and cpack package what is built (contrib/build builds it
# all) instead of first building every target, benchmarks and tests too:
# the packaging tests build only the four installed binaries.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY TRUE)

install(TARGETS desaster desasterctl desaster-top RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
if(TARGET desaster-web)
  install(TARGETS desaster-web RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()

set(desaster_ruby_install_dir ${CMAKE_INSTALL_DATADIR}/desaster/ruby)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/workers/ruby/
        DESTINATION ${desaster_ruby_install_dir}
        USE_SOURCE_PERMISSIONS
        PATTERN "test" EXCLUDE
        PATTERN "Rakefile" EXCLUDE)

install(FILES ${PROJECT_SOURCE_DIR}/contrib/man/desaster.8 ${PROJECT_SOURCE_DIR}/contrib/man/desaster-web.8
        DESTINATION ${CMAKE_INSTALL_MANDIR}/man8)
install(FILES ${PROJECT_SOURCE_DIR}/contrib/man/desasterctl.1 ${PROJECT_SOURCE_DIR}/contrib/man/desaster-top.1
        DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)

# The service files with this install's paths. The prefix is known only at
# install time (cmake --install --prefix, CPack's /usr), so the rewrite runs
# then.
foreach(file systemd/desaster.service systemd/desaster-web.service init.d/desaster)
  install(CODE "
    set(prefix \"\${CMAKE_INSTALL_PREFIX}\")
    file(READ \"${PROJECT_SOURCE_DIR}/contrib/${file}\" text)
    string(REPLACE \"/usr/bin/desaster\" \"\${prefix}/${CMAKE_INSTALL_BINDIR}/desaster\" text \"\${text}\")
    string(REPLACE \"/usr/share/desaster/ruby\" \"\${prefix}/${desaster_ruby_install_dir}\" text \"\${text}\")
    file(WRITE \"${PROJECT_BINARY_DIR}/service-files/${file}\" \"\${text}\")
  ")
endforeach()
install(FILES ${PROJECT_BINARY_DIR}/service-files/systemd/desaster.service
              ${PROJECT_BINARY_DIR}/service-files/systemd/desaster-web.service
        DESTINATION lib/systemd/system)
install(PROGRAMS ${PROJECT_BINARY_DIR}/service-files/init.d/desaster
        DESTINATION /etc/init.d)
install(FILES ${PROJECT_SOURCE_DIR}/contrib/default/desaster
        DESTINATION /etc/default)
install(FILES ${PROJECT_SOURCE_DIR}/contrib/logrotate/desaster
        DESTINATION /etc/logrotate.d)

# `cpack -G DEB` in the build dir: desaster_VERSION_amd64.deb. Its
# maintainer scripts add the desaster user and enable and start the service
# (systemd, else SysV).
set(CPACK_GENERATOR DEB)
# Debian ships stripped binaries (the debug info of a RelWithDebInfo build
# is most of their size).
set(CPACK_STRIP_FILES ON)
set(CPACK_PACKAGE_NAME desaster)
set(CPACK_PACKAGE_VENDOR desaster)
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "job queue manager and cluster scheduler")
set(CPACK_PACKAGE_CONTACT "desaster maintainers <desaster@localhost>")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "ruby, ruby-msgpack, ruby-ffi-rzmq, ruby-rack")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PROJECT_SOURCE_DIR}/contrib/packaging/conffiles ${PROJECT_SOURCE_DIR}/contrib/packaging/postinst
    ${PROJECT_SOURCE_DIR}/contrib/packaging/prerm ${PROJECT_SOURCE_DIR}/contrib/packaging/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
