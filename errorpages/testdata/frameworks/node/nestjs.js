// NestJS on Express with a global ValidationPipe and class-validator DTOs,
// and Nest's default exception filter. Plain JavaScript: the decorators are
// applied by hand, as TypeScript's compiled output would apply them.
require('reflect-metadata');
const { NestFactory } = require('@nestjs/core');
const {
  Module, Controller, Post, Get, Body, Param, ValidationPipe, NotFoundException,
} = require('@nestjs/common');
const {
  IsEmail, IsInt, Min, IsNotEmpty, IsString, ValidateNested,
} = require('class-validator');
const { Type } = require('class-transformer');

class AddressDto {}
IsString()(AddressDto.prototype, 'city');
IsNotEmpty()(AddressDto.prototype, 'city');

class CreateUserDto {}
IsEmail()(CreateUserDto.prototype, 'email');
IsInt()(CreateUserDto.prototype, 'age');
Min(18)(CreateUserDto.prototype, 'age');
ValidateNested()(CreateUserDto.prototype, 'address');
Type(() => AddressDto)(CreateUserDto.prototype, 'address');

class UsersController {
  create(dto) { return dto; }
  findOne(id) { throw new NotFoundException(`User ${id} not found`); }
}
const proto = UsersController.prototype;
Post()(proto, 'create', Object.getOwnPropertyDescriptor(proto, 'create'));
Body()(proto, 'create', 0);
Reflect.defineMetadata('design:paramtypes', [CreateUserDto], proto, 'create');
Get(':id')(proto, 'findOne', Object.getOwnPropertyDescriptor(proto, 'findOne'));
Param('id')(proto, 'findOne', 0);
Reflect.defineMetadata('design:paramtypes', [String], proto, 'findOne');
Controller('users')(UsersController);

class AppModule {}
Module({ controllers: [UsersController] })(AppModule);

(async () => {
  const app = await NestFactory.create(AppModule, { logger: false });
  app.useGlobalPipes(new ValidationPipe());
  await app.listen(Number(process.env.PORT), '127.0.0.1');
  console.log(`nestjs ${require('@nestjs/core/package.json').version} on ${process.env.PORT}`);
})();
